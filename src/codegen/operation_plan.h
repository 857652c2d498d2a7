// The plan of one operation's marshaling, shared by every generator of interfaces (RPC client functions and
// managers, COM proxies, stubs and call objects): each side's C++ parameter lists and statements.
//
// The C++ mapping of an operation's parameters:
//   [in] base type or enum            T
//   [in] struct/union by value        const T&
//   [in] [ref] pointer or array       const P&      (P: the pointee: value, std::string, std::vector<E>)
//   [in] [unique]/[ptr] pointer       const P*      (nullptr for NULL)
//   [out] or [in,out] [ref] pointer   P&
//   pipe (RPC), by value or [ref]   P&            (P: the pipe type, midlrt::ndr::Pipe<E>; both sides)
//   handle_t (RPC)                    client: const midlrt::Binding&; server: midlrt::rpc::ServerCall&
//   [comm_status]/[fault_status]      client only, uint32_t&: receives the status instead of an exception
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codegen/ndr_code.h"

namespace midlc::codegen {

struct OperationParts {
  std::string name;
  std::string opnum;
  std::string returnType;  // "void" when there is none
  bool hasResult = false;
  std::vector<std::string> clientParams;              // the client function's (or proxy method's) parameters
  std::vector<std::string> managerParams;             // the manager's (or server object's) parameters
  std::vector<std::string> arguments;                 // server: what the manager call passes, in order
  std::vector<std::string> beginParams, beginArgs;    // asynchronous: [in] and [in,out], for Begin_
  std::vector<std::string> finishParams, finishArgs;  // asynchronous: [out] and [in,out], for Finish_
  std::string clientChecks, clientWrite, clientRead;  // client: e = Encoder, d = Decoder, names as declared
  std::string serverLocals, serverRead, serverChecks, serverWrite;  // server: locals p_<name>
  std::string outLocals;                // server: the locals of the [out] and [in,out] parameters alone
  std::vector<std::string> localNames;  // server: every local of serverLocals (p_<name>...), in order
  std::vector<std::string> outNames;    // client: the [out] and [in,out] parameters' names
  std::string bindingName;              // RPC: the handle_t parameter that is the binding, if any
  std::string statusParam;              // the [comm_status]/[fault_status] parameter, if any
  // DCE pipes: the server's statements that give each pipe local its pull/push functions (over
  // midl_pipe_d, midl_pipe_e, midl_in_pipes, midl_out_pipes), and how many pipes go each way.
  std::string pipeSetup;
  unsigned inPipes = 0, outPipes = 0;
  bool serverWriteNeedsCall = false;  // serverWrite uses `call` (the rpc::ServerCall): [out] context handles
  bool statusReturn = false;  // the operation returns its status ([comm_status]/[fault_status] on it)
};

class OperationPlanner {
 public:
  // marshal = false: only the signatures (for [local] interfaces, which nothing marshals).
  OperationPlanner(NdrCode& ndr, Diagnostics& diagnostics, const sema::InterfaceDecl& itf,
                   bool marshal = true)
      : ndr_(ndr), diagnostics_(diagnostics), itf_(itf), marshal_(marshal) {}

  // Reports and returns nothing for an operation that cannot be generated.
  std::optional<OperationParts> plan(const sema::Operation& op);

 private:
  std::nullopt_t fail(const std::string& what, const std::string& why);
  std::string writeTop(const sema::Type* t, const std::string& expr, const NdrCode::Scope& scope,
                       const std::string& what, bool rawPointer);
  std::string readTop(const sema::Type* t, const std::string& expr, const NdrCode::Scope& scope,
                      const std::string& what);

  NdrCode& ndr_;
  Diagnostics& diagnostics_;
  const sema::InterfaceDecl& itf_;
  bool marshal_;
  Location where_;  // the operation being planned
};

std::string joinParams(const std::vector<std::string>& list);

// {0x..u, 0x.., 0x.., {..}}: a Uuid initializer.
std::string uuidInitializer(const sema::Uuid& u);

}  // namespace midlc::codegen
