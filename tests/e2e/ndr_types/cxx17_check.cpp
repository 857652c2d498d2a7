// The generated header alone, compiled as C++17 with the project warnings.
#include "ndr_types.h"
