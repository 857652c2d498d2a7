// C++ names in generated code. IDL names keep their spelling, except those that would clash with C++ or with
// generated code, which get a trailing underscore: C++ keywords (class -> class_), names that begin with
// midl_ (every identifier generated code declares for itself does: midl_e, midl_result, midl_frame...),
// and the namespaces midlgen, midlrt and std. Generated identifiers never end with an underscore, so the
// renamed ones cannot meet them. Anonymous structs and unions get a readable name. A parameter named like a
// type gets the underscore too.
#pragma once

#include <string>

#include "sema/model.h"

namespace midlc::codegen {

std::string cppName(const std::string& idlName);
std::string paramCppName(const sema::Param& p);

}  // namespace midlc::codegen
