// The plan of one operation, shared by every generator of interfaces (RPC client functions and managers,
// COM proxies, stubs and call objects): each parameter's C++ mapping, where it lives, and its wire plans.
// Data, not text: the views turn plans into template data, and only the wire emitter writes statements.
//
// The C++ mapping of an operation's parameters:
//   [in] base type or enum            T
//   [in] struct/union by value        const T&
//   [in] [ref] pointer or array       const P&      (P: the pointee: value, std::string, std::vector<E>)
//   [in] conformant array, [cpp_view] std::span<const E>  (the server's local: midlrt::ndr::ArrayView<E>)
//   [in] [string], [cpp_view]          std::string_view / std::u16string_view  (ndr::StringView<C>)
//   [in] [unique]/[ptr] pointer       const P*      (nullptr for NULL)
//   [in,out] [unique]/[ptr] pointer   std::unique_ptr<P>& / std::shared_ptr<P>&  (the manager may set,
//                                     clear or replace it; the reply's referent replaces the client's)
//   [out] or [in,out] [ref] pointer   P&            (also through a typedef: [out] PULONG n is uint32_t&)
//   pipe (RPC), by value or [ref]     P&            (P: the pipe type, midlrt::ndr::Pipe<E>; both sides,
//                                                   but an [async] operation's is
//                                                   midlrt::async::AsyncPipe<E>&)
//   handle_t (RPC)                    client: const midlrt::Binding&; server: midlrt::rpc::ServerCall&
//   [comm_status]/[fault_status]      client only, uint32_t&: receives the status instead of an exception
//   [context_handle]                  client: midlrt::rpc::ContextHandle; server: std::shared_ptr<void>
//   [in] I* (interface pointer)       I*            (the caller keeps its reference)
//   [out]/[in,out] I**                midlrt::com::ComPtr<I>&
//   [out, iid_is(riid)] void**        void*&        (a reference of interface riid, which the caller owns)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codegen/wire.h"
#include "codegen/wire_planner.h"
#include "sema/model.h"
#include "sema/remoting.h"

namespace midlc::codegen {

struct ParamPlan {
  enum class Kind {
    Binding,        // an RPC interface's handle_t: the client's binding, the server's ServerCall
    Status,         // [comm_status]/[fault_status]: on the client only
    Pipe,           // a DCE pipe
    ContextHandle,  // a context handle
    Optional,       // an [in] or [in,out] [unique]/[ptr] pointer
    Reference,      // a [ref] pointer or an array
    Value,          // a base type, enum, struct or union passed by value
  };
  Kind kind = Kind::Value;
  std::string idlName;
  std::string name;   // the C++ parameter, on the client and in the manager's signature
  std::string local;  // the server's local that holds it
  bool in = false;
  bool out = false;
  std::string type;              // the server local's type
  bool valueInitialized = true;  // the server local is declared `T x{};` (pipes and smart pointers: `T x;`)
  bool releasesReference =
      false;                // the server local is a void* holding an object's reference, released if
                            // the stub still holds it when the call is over (a call object borrowed it)
  std::string clientDecl;   // "const std::string& name"
  std::string managerDecl;  // the same in the manager's (or the server object's) signature
  std::string argument;     // what the server passes to the manager
  // COM call objects: the Begin_ ([in], [in,out]) and Finish_ ([out], [in,out]) parameters, and what the
  // stub passes to them.
  std::string beginDecl, beginArg, finishDecl, finishArg;
  // The wire: on the client over `name` (encoded if [in], decoded if [out]); on the server over `local`.
  wire::Steps clientWire;
  wire::Steps serverWire;
  // Context handles: the server's local that holds the handle's UUID.
  std::string contextIdLocal;
  // Pipes: the element type, the pipe's place among the [in] and [out] pipes, and the chunk coders (a
  // span's elements): the server reads [in] chunks and writes [out] ones, an [async] client the reverse.
  struct Pipe {
    std::string elementType;
    int inIndex = -1;
    int outIndex = -1;
    wire::Elements reader;
    wire::Elements writer;
  } pipe;
};

struct OperationPlan {
  std::string name;
  uint32_t opnum = 0;
  bool isAsync = false;
  std::vector<ParamPlan> params;
  bool hasResult = false;
  std::string returnType = "void";
  wire::Steps resultClientWire;  // over midl_result
  wire::Steps resultServerWire;
  // Checks before the call (client) and after unmarshaling (server).
  std::vector<wire::SizeCheck> clientSizeChecks, serverSizeChecks;
  std::vector<wire::RangeCheck> clientRangeChecks, serverRangeChecks;
  std::vector<wire::SwitchCheck> clientSwitchChecks, serverSwitchChecks;  // [in] unions' discriminants
  // Checks of the reply: the server's before it is marshaled, the client's once it is unmarshaled.
  std::vector<wire::SizeCheck> serverReplyChecks, clientReplyChecks;
  std::vector<wire::SwitchCheck> serverReplySwitchChecks, clientReplySwitchChecks;  // [out] unions'
  // The locals that keep varying arrays' max_counts for the checks (uint32_t), on each side.
  std::vector<std::string> serverCountLocals, clientCountLocals;
  // The [in]-only parameters (indexes) the client's reply checks read: an asynchronous call keeps them.
  std::vector<size_t> replyCheckInputs;
  std::string bindingParam;   // the handle_t parameter that is the binding, if it comes first
  std::string statusParam;    // the [comm_status]/[fault_status] parameter, if any
  bool statusReturn = false;  // the operation returns its status ([comm_status]/[fault_status] on it)
  unsigned inPipes = 0;
  unsigned outPipes = 0;
  // The server streams the call (Dispatcher::streams): an operation with pipes is dispatched at its
  // request's first fragment and sends [out] chunks as the manager pushes them, sync or [async].
  bool streams() const { return inPipes + outPipes > 0; }
  bool serverWriteNeedsCall = false;  // [out] context handles register with the call when marshaled
  // [in] parameters may hold full pointers: the server keeps the objects they create in a graph that frees
  // them, cycles included, after the parameters (ndr::FullPointerGraph, the local midl_graph).
  bool fullPointerGraph = false;
  // [async] RPC: the manager's typed handle, Foo_Manager::<callType> (<Operation>Call).
  std::string callType;

  // What the views ask of it.
  std::vector<std::string> clientParams() const;
  std::vector<std::string> managerParams() const;
  std::vector<std::string> arguments() const;  // the server's manager call
  std::vector<std::string> beginParams() const;
  std::vector<std::string> beginArgs() const;
  std::vector<std::string> finishParams() const;
  std::vector<std::string> finishArgs() const;
  // The client's [out] parameters that completion unmarshals (an async call keeps them; it pulls pipes).
  std::vector<std::string> outNames() const;
  std::vector<const ParamPlan*> serverLocals() const;
  // The client's request ([in] parameters, then [in] pipes) and reply ([out] pipes, [out] parameters, the
  // result); the server's reading of the request and writing of the reply (pipes aside).
  wire::Steps clientRequest() const;
  // The client's request in two parts, for a streamed one: the [in] parameters, then the [in] pipes.
  wire::Steps clientRequestBeforePipes() const;
  wire::Steps clientRequestPipes() const;
  wire::Steps clientReply() const;
  // The reply after the [out] pipes (what an [async] client unmarshals once it has pulled them).
  wire::Steps clientReplyAfterPipes() const;
  wire::Steps serverRequest() const;
  wire::Steps serverReply() const;
};

class OperationPlanner {
 public:
  // marshal = false: only the signatures (the methods of an object interface's class, local or not).
  OperationPlanner(WirePlanner& wire, const sema::InterfaceDecl& itf, bool marshal = true)
      : wire_(wire), itf_(itf), marshal_(marshal) {}

  OperationPlan plan(const sema::Operation& op);

 private:
  void parameter(const sema::Param& p, size_t index, OperationPlan& plan, Locals& clientLocals,
                 Locals& serverLocals, const std::string& what);
  void interfacePointer(const sema::InterfacePointerParam& ip, ParamPlan& param, OperationPlan& plan);
  void viewParameter(const sema::Type* t, ParamPlan& param, OperationPlan& plan, Locals& clientLocals,
                     Locals& serverLocals, const std::string& what);
  void viewString(const sema::Type* t, ParamPlan& param, OperationPlan& plan, Locals& clientLocals,
                  Locals& serverLocals, const std::string& what);
  std::string iidExpression(const sema::Expr* iidIs, const ExprScope& scope);
  std::pair<wire::InterfacePointer, wire::InterfacePointer> interfaceNodes(
      const sema::InterfacePointerParam& ip, const std::string& value);
  void correlate(const sema::Operation& op, OperationPlan& plan);

  WirePlanner& wire_;
  const sema::InterfaceDecl& itf_;
  bool marshal_;
};

std::string joinParams(const std::vector<std::string>& list);

// {0x..u, 0x.., 0x.., {..}}: a Uuid initializer.
std::string uuidInitializer(const sema::Uuid& u);

}  // namespace midlc::codegen
