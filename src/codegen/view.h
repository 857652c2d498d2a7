// What the templates see: mustache data built from plans. Templates see only strings, booleans and lists;
// each key is spelled once, in the view that sets it (a missing key renders as empty).
#pragma once

#include <kainjow/mustache.hpp>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "codegen/interface_plan.h"
#include "codegen/printer.h"
#include "codegen/wire_emitter.h"

namespace midlc::codegen {

namespace mustache = kainjow::mustache;
using Data = mustache::data;

inline Data list() {
  return Data{Data::type::list};
}

// kainjow's set() and push_back() copy what they are given, a whole tree of data; views build large trees,
// so they move it instead.
inline void put(Data& object, const std::string& key, Data value) {
  object[key] = std::move(value);
}

// A list of template data, each element moved in once: a kainjow list copies its elements whenever it grows
// (their move may throw), so it is filled only when its size is known.
class DataList {
 public:
  void add(Data item) { items_.push_back(std::move(item)); }
  bool empty() const { return items_.empty(); }
  Data take() {
    Data out = list();
    auto& elements = const_cast<mustache::basic_list<std::string>&>(out.list_value());  // the list's own
    elements.reserve(items_.size());
    for (auto& item : items_) elements.push_back(std::move(item));
    items_.clear();
    return out;
  }

 private:
  std::deque<Data> items_;
};

// Printed statements as a list the template indents: {{#body}}\n    {{{.}}}\n{{/body}}.
Data lines(const std::vector<std::string>& lines);
Data lines(const Printer& p);

// The statements of wire steps, encoding or decoding.
Data statements(const wire::Steps& steps, Coding coding);

// The checks a client makes before it marshals ([in] pipes have their functions, sizes agree with
// their containers, [range]), and those a server makes after it unmarshals.
Data clientChecks(const OperationPlan& op);
Data serverChecks(const OperationPlan& op);
// The reply's checks: the server's before marshaling it, the client's after unmarshaling it.
Data serverReplyChecks(const OperationPlan& op);
Data clientReplyChecks(const OperationPlan& op);

// What a client function, a proxy method and a call object share: name, opnum, result, checks, request and
// reply. What a dispatcher's case and a stub's case share: the locals, the request, the checks, the pipes,
// the manager's arguments and the reply.
Data clientCallView(const OperationPlan& op);
Data serverCallView(const OperationPlan& op);

// The server's locals of an operation's parameters (their declarations, and their names).
Data serverLocals(const OperationPlan& op);
std::vector<std::string> serverLocalNames(const OperationPlan& op);
// The statements that give each pipe local its pull and push functions.
Data pipeSetup(const OperationPlan& op);
// The binding of an [async] operation's AsyncPipe parameters to their call's pipes (`pipeCall`, an
// expression): a client function's, or (`server`) a dispatcher's for the manager.
Data asyncPipeBindings(const OperationPlan& op, const std::string& pipeCall, bool server);
// hasReply and reply (with the count locals its checks use) of a client's unmarshaling of `reply`.
void putClientReply(Data& d, const OperationPlan& op, const wire::Steps& reply);

// An RPC operation's signatures: on the client, the async state first ([async]), then the binding when the
// interface's handles are explicit and the operation has no handle_t of its own, then its parameters; the
// manager gets the call's handle first ([async]), then its parameters. The binding a client function uses.
std::vector<std::string> rpcClientParams(const RpcInterfacePlan& itf, const OperationPlan& op);
std::vector<std::string> rpcManagerParams(const OperationPlan& op);
std::string rpcBinding(const RpcInterfacePlan& itf, const OperationPlan& op);

// [call_as], MIDL's names: the application writes <Owner>_<Local>_Proxy (the local call made remote) and
// <Owner>_<Local>_Stub (the remote call made local on the object); midlc writes <Owner>_<Remote>_Proxy. The
// helpers take the interface pointer first, as `This`.
std::string callAsProxyName(const std::string& owner, const std::string& local);
std::string callAsStubName(const std::string& owner, const std::string& local);
std::string remoteProxyName(const std::string& owner, const std::string& remote);
std::vector<std::string> callAsHelperParams(const std::string& owner, const OperationPlan& op);
// MIDL's name of the function that marshals a remote method through a proxy given as This: a proxy calls
// it for every remote method of its chain, its owner's file defines it (a [call_as] remote form's is
// remoteProxyName; the application defines the [local] method's of that name).
std::string proxyFunctionName(const std::string& owner, const std::string& method);
// `proxyFunctions` and `hasProxyFunctions`: the functions that marshal an object interface's own remote
// methods (and [call_as] remote forms), each given the proxy as This: definitions for the client file, or
// the header's declarations (which declares those of [call_as] remote forms with their pairs).
void putProxyFunctions(Data& object, const ObjectInterfacePlan& itf, bool declarations);

// The list of a file's RPC interfaces, each with its `interface` name and its `operations`, one element made
// by `operation` per operation; `more` adds keys of the interface's own.
Data rpcInterfacesView(const FilePlan& plan,
                       const std::function<Data(const RpcInterfacePlan&, const OperationPlan&)>& operation,
                       const std::function<void(const RpcInterfacePlan&, Data&)>& more = {});

// What the header copies from the IDL beside its own declarations.
struct HeaderOptions {
  std::string defaultImportDir;  // imports found here are midlc's own IDL: #include <midlrt/idl/x.h>
  bool cppQuote = true;          // cpp_quote text
};

// The views of the files. The header's needs the model (its types, in declaration order).
// `marshaledTypes`, if given, receives the structs and unions the header gives NDR functions (ndrRead,
// ndrWrite), those declared for IDL only aside.
Data headerView(const sema::Model& model, const FilePlan& plan, WirePlanner& wire,
                const HeaderOptions& options, std::vector<std::string>* marshaledTypes = nullptr);
Data clientView(const FilePlan& plan);
Data serverView(const FilePlan& plan);
// <file>_fuzz.cpp (--fuzz): the null managers, the client calls and the cases of the libFuzzer target.
Data fuzzView(const FilePlan& plan, const std::vector<std::string>& marshaledTypes);

// The asynchronous pass: AsyncIFoo's declaration (header), call objects and asynchronous RPC client
// functions (client), and asynchronous dispatch (server).
Data asyncInterfaceView(const ObjectInterfacePlan& itf);
Data callObjectView(const ObjectInterfacePlan& itf);
Data asyncClientFunctionView(const RpcInterfacePlan& itf, const OperationPlan& op);
Data asyncDispatchCaseView(const OperationPlan& op);
Data callObjectDispatchView(const ObjectInterfacePlan& itf, const OperationPlan& op);

}  // namespace midlc::codegen
