// The view of RPC (non-object) interfaces for the templates: the signatures of client functions and manager
// methods, and the marshaling statements of each side, decided here and spelled as C++ text.
//
// The C++ mapping of an operation's parameters:
//   [in] base type or enum            T
//   [in] struct/union by value        const T&
//   [in] [ref] pointer or array       const P&      (P: the pointee: value, std::string, std::vector<E>)
//   [in] [unique]/[ptr] pointer       const P*      (nullptr for NULL)
//   [out] or [in,out] [ref] pointer   P&
//   handle_t                          client: const midlrt::Binding&; server: midlrt::rpc::ServerCall&
//   [comm_status]/[fault_status]      client only, uint32_t&: receives the status instead of an exception
#pragma once

#include <kainjow/mustache.hpp>

#include "codegen/generate.h"
#include "codegen/ndr_code.h"

namespace midlc::codegen {

// Fills the "rpcInterfaces" list of a view from the main file's RPC interfaces. Returns false after
// reporting an operation it cannot generate.
bool buildRpcInterfaces(const sema::Model& model, NdrCode& ndr, kainjow::mustache::data& view,
                        Diagnostics& diagnostics);

}  // namespace midlc::codegen
