// The COM base in one include: HRESULT (and from RPC statuses), GUID/IID, IUnknown, ComPtr, ComObject, the
// call-object interfaces and the server's object table.
#pragma once

#include "midlrt/com/guid.h"
#include "midlrt/com/hresult.h"
#include "midlrt/com/object_table.h"
#include "midlrt/com/objidl.h"
#include "midlrt/com/orpc.h"
#include "midlrt/com/status.h"
#include "midlrt/com/unknown.h"

/// @namespace midlrt::com
/// The COM base that object interfaces and call objects build on: HRESULT and its codes, GUID/IID (the
/// RPC layer's Uuid), IUnknown, ComPtr, ComObject, aggregation, the asynchronous-call interfaces with
/// Windows' IIDs, and the server's ObjectTable.
