// The view of object ([object]) interfaces for the templates: the interface class and AsyncIFoo for the
// header, the proxy, its ICallFactory and call objects for the client file, the stub for the server file.
//
// The interfaces midlrt itself implements (IUnknown, ICallFactory, ISynchronize, ISynchronizeHandle,
// ICancelMethodCalls) are not generated: headers name the runtime's classes instead.
#pragma once

#include <kainjow/mustache.hpp>

#include "codegen/ndr_code.h"

namespace midlc::codegen {

bool isRuntimeInterface(const std::string& idlName);

// Fills `out` with everything the templates need of one object interface. Returns false after reporting
// a method it cannot generate.
bool buildObjectInterface(const sema::InterfaceDecl& itf, NdrCode& ndr, kainjow::mustache::data& out,
                          Diagnostics& diagnostics);

}  // namespace midlc::codegen
