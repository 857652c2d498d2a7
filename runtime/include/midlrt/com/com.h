// The COM base in one include: HRESULT, GUID/IID, IUnknown, ComPtr, and the call-object interfaces.
#pragma once

#include "midlrt/com/guid.h"
#include "midlrt/com/hresult.h"
#include "midlrt/com/objidl.h"
#include "midlrt/com/unknown.h"
