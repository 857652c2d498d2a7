// C++ names in generated code. IDL names keep their spelling, except names C++ reserves (keywords), which
// get a trailing underscore (class -> class_). Anonymous structs and unions get a readable name.
#pragma once

#include <string>

namespace midlc::codegen {

std::string cppName(const std::string& idlName);

}  // namespace midlc::codegen
