// C++ names in generated code. IDL names keep their spelling, except those that would clash with C++ or with
// generated code, which get a trailing underscore: C++ keywords (class -> class_), names that begin with
// midl_ (every identifier generated code declares for itself does: midl_e, midl_result, midl_frame...),
// and the namespaces midlgen, midlrt and std. Generated identifiers never end with an underscore, so the
// renamed ones cannot meet them. Anonymous structs and unions get a readable name.
#pragma once

#include <string>

namespace midlc::codegen {

std::string cppName(const std::string& idlName);

}  // namespace midlc::codegen
