// The COM base in one include: HRESULT (and from RPC statuses), GUID/IID, IUnknown, ComPtr, ComObject, the
// call-object interfaces and the server's object table.
#pragma once

#include "midlrt/com/guid.h"
#include "midlrt/com/hresult.h"
#include "midlrt/com/object_table.h"
#include "midlrt/com/objidl.h"
#include "midlrt/com/status.h"
#include "midlrt/com/unknown.h"
