#include "midlrt/dcom/activation.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <shared_mutex>
#include <utility>

#include <midlrt/idl/dcom.h>
#include <midlrt/idl/unknwn.h>

#include "midlrt/com/guid.h"
#include "midlrt/com/objref.h"
#include "midlrt/com/status.h"
#include "midlrt/dcom/exporter.h"
#include "midlrt/dcom/marshal.h"
#include "midlrt/ndr/error.h"
#include "midlrt/ndr/pickle.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "remote_objects.h"

namespace midlrt::dcom {

namespace {

// The CLSIDs and IIDs of the activation properties (MS-DCOM 1.9).
constexpr com::Guid kActivationGuid(std::uint32_t data1) {
  return com::Guid{data1, 0x0000, 0x0000, {0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
}
constexpr com::CLSID kClsidActivationPropertiesIn = kActivationGuid(0x00000338);
constexpr com::CLSID kClsidActivationPropertiesOut = kActivationGuid(0x00000339);
constexpr com::IID kIidActivationPropertiesIn = kActivationGuid(0x000001a2);
constexpr com::IID kIidActivationPropertiesOut = kActivationGuid(0x000001a3);
constexpr com::CLSID kClsidInstantiationInfo = kActivationGuid(0x000001ab);
constexpr com::CLSID kClsidActivationContextInfo = kActivationGuid(0x000001a5);
constexpr com::CLSID kClsidServerLocationInfo = kActivationGuid(0x000001a4);
constexpr com::CLSID kClsidScmRequestInfo = kActivationGuid(0x000001aa);
constexpr com::CLSID kClsidScmReplyInfo = kActivationGuid(0x000001b6);
constexpr com::CLSID kClsidPropsOutInfo = kActivationGuid(0x00000339);

constexpr DWORD kDestCtx = 2;  // MSHCTX_DIFFERENTMACHINE: what Windows and impacket send
constexpr COMVERSION kComVersion{5, 7};

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
void putLe32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A pickled property's bytes up to the end its private header gives: impacket pads properties to 8 bytes
// past an ObjectBufferLength that does not count the padding, which the pickle reader would take for
// bytes after the value.
std::span<const std::uint8_t> pickled(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < ndr::kPickleHeadersSize) return bytes;  // the reader says what is missing
  const std::uint32_t length = le32(bytes.data() + 8);
  return length <= bytes.size() - ndr::kPickleHeadersSize ? bytes.first(ndr::kPickleHeadersSize + length)
                                                          : bytes;
}

// An activation properties BLOB (2.2.22): dwSize, dwReserved, the pickled CustomHeader, then the pickled
// properties it lists, by CLSID.
struct Properties {
  std::vector<std::pair<com::CLSID, std::span<const std::uint8_t>>> entries;
  std::span<const std::uint8_t> find(const com::CLSID& clsid) const {
    for (const auto& [id, bytes] : entries)
      if (id == clsid) return bytes;
    return {};
  }
};

Properties readProperties(std::span<const std::uint8_t> blob) {
  if (blob.size() < 8)
    ndr::Decoder::fail("activation properties: a BLOB of " + std::to_string(blob.size()) + " bytes");
  const std::uint32_t size = le32(blob.data());
  if (size > blob.size() - 8)
    ndr::Decoder::fail("activation properties: dwSize " + std::to_string(size) + " overruns the BLOB");
  const std::span<const std::uint8_t> body = blob.subspan(8, size);
  const std::span<const std::uint8_t> headerBytes = pickled(body);
  const CustomHeader header = CustomHeader_Decode(headerBytes.data(), headerBytes.size());
  if (!header.pclsid || !header.pSizes)
    ndr::Decoder::fail("activation properties: the CustomHeader lists no properties");
  if (header.headerSize < headerBytes.size() || header.headerSize > body.size())
    ndr::Decoder::fail("activation properties: headerSize " + std::to_string(header.headerSize) +
                       " disagrees with the CustomHeader");
  Properties out;
  std::size_t at = header.headerSize;
  for (std::size_t i = 0; i < header.pclsid->size(); ++i) {
    const std::uint32_t n = (*header.pSizes)[i];
    if (n > body.size() - at)
      ndr::Decoder::fail("activation properties: property " + std::to_string(i) + " overruns the BLOB");
    out.entries.emplace_back((*header.pclsid)[i], pickled(body.subspan(at, n)));
    at += n;
  }
  return out;
}

std::vector<std::uint8_t> writeProperties(
    const std::vector<std::pair<com::CLSID, std::vector<std::uint8_t>>>& properties) {
  CustomHeader header;
  header.destCtx = kDestCtx;
  header.cIfs = static_cast<DWORD>(properties.size());
  header.pclsid = std::make_unique<std::vector<CLSID>>();
  header.pSizes = std::make_unique<std::vector<DWORD>>();
  std::size_t propertiesSize = 0;
  for (const auto& [clsid, bytes] : properties) {
    header.pclsid->push_back(clsid);
    header.pSizes->push_back(static_cast<DWORD>(bytes.size()));
    propertiesSize += bytes.size();
  }
  // The header holds its own size and the total: its size does not depend on them.
  header.headerSize = static_cast<DWORD>(CustomHeader_Encode(header).size());
  header.totalSize = static_cast<DWORD>(header.headerSize + propertiesSize);
  const std::vector<std::uint8_t> headerBytes = CustomHeader_Encode(header);
  std::vector<std::uint8_t> blob;
  putLe32(blob, header.totalSize);
  putLe32(blob, 0);
  blob.insert(blob.end(), headerBytes.begin(), headerBytes.end());
  for (const auto& entry : properties) blob.insert(blob.end(), entry.second.begin(), entry.second.end());
  return blob;
}

std::unique_ptr<MInterfacePointer> customObjRef(const com::IID& iid, const com::CLSID& clsid,
                                                std::vector<std::uint8_t> data) {
  auto out = std::make_unique<MInterfacePointer>();
  out->abData = com::encodeCustomObjRef(com::CustomObjRef{iid, clsid, std::move(data)});
  out->ulCntData = static_cast<std::uint32_t>(out->abData.size());
  return out;
}

}  // namespace

struct Activator::State {
  std::shared_mutex mu;      // shared by requests; the activator's destructor takes it alone
  ObjectExporter* exporter;  // null once the activator is gone
  std::map<com::CLSID, ClassFactory, com::GuidLess> classes;
};

namespace {

// What every activator here answers alike: opnums 0 to 2 are Windows' own and never on the wire
// (3.1.2.5.2.3).
class ActivatorBase : public IRemoteSCMActivator_Manager {
 public:
  void Opnum0NotUsedOnWire(rpc::ServerCall&) override { throw rpc::RpcError(rpc::status::kOpRangeError); }
  void Opnum1NotUsedOnWire(rpc::ServerCall&) override { throw rpc::RpcError(rpc::status::kOpRangeError); }
  void Opnum2NotUsedOnWire(rpc::ServerCall&) override { throw rpc::RpcError(rpc::status::kOpRangeError); }
};

// The InstantiationInfoData of an activation request: the class and the interfaces asked for.
InstantiationInfoData readRequest(const MInterfacePointer& in) {
  const com::CustomObjRef request = com::decodeCustomObjRef(in.abData);
  if (request.clsid != kClsidActivationPropertiesIn)
    ndr::Decoder::fail("activation properties of class " + request.clsid.toString() +
                       ", not CLSID_ActivationPropertiesIn");
  const Properties properties = readProperties(request.data);
  const auto instantiation = properties.find(kClsidInstantiationInfo);
  if (instantiation.empty()) ndr::Decoder::fail("activation properties without InstantiationInfoData");
  InstantiationInfoData what = InstantiationInfoData_Decode(instantiation.data(), instantiation.size());
  if (!what.pIID) ndr::Decoder::fail("activation properties: InstantiationInfoData asks for no interface");
  // The protocol sequences the client can use (ScmRequestInfoData) are not checked: every exporter here
  // answers ncacn_ip_tcp, which every DCOM client speaks.
  return what;
}

// Makes an object with `factory`: its HRESULT, or what the factory threw as one.
com::HRESULT makeWith(const ClassFactory& factory, com::ComPtr<com::IUnknown>& object) {
  com::HRESULT made = com::E_FAIL;
  try {
    made = factory(object);
  } catch (const std::bad_alloc&) {
    made = com::E_OUTOFMEMORY;
  } catch (const std::exception&) {
    made = com::E_FAIL;
  }
  if (made >= 0 && !object) made = com::E_FAIL;
  if (made < 0) object = nullptr;
  return made;
}

// The class object of a registered class (CoRegisterClassObject's IClassFactory): each CreateInstance makes
// an object with the class's factory. LockServer is answered S_OK and changes nothing: a server here lives
// as long as its application keeps it, not by the locks of its clients.
class ClassObject final : public com::ComObject<IClassFactory> {
 public:
  explicit ClassObject(ClassFactory factory) : factory_(std::move(factory)) {}

  HRESULT CreateInstance(IUnknown* outer, const IID& riid, void*& ppv) override {
    ppv = nullptr;
    if (outer != nullptr) return com::CLASS_E_NOAGGREGATION;
    com::ComPtr<com::IUnknown> object;
    const com::HRESULT made = makeWith(factory_, object);
    if (made < 0) return made;
    return object->QueryInterface(riid, &ppv);
  }
  HRESULT LockServer(BOOL) override { return com::S_OK; }

 private:
  const ClassFactory factory_;
};

class ActivatorManager final : public ActivatorBase {
 public:
  explicit ActivatorManager(std::shared_ptr<Activator::State> state) : state_(std::move(state)) {}

  HRESULT RemoteCreateInstance(rpc::ServerCall&, const ORPCTHIS&, ORPCTHAT& that,
                               const MInterfacePointer* outer, const MInterfacePointer* in,
                               std::unique_ptr<MInterfacePointer>& out) override {
    that = ORPCTHAT{};
    if (outer != nullptr) return com::CLASS_E_NOAGGREGATION;
    return answer(in, out, [](const ClassFactory& factory, com::ComPtr<com::IUnknown>& object) {
      return makeWith(factory, object);
    });
  }

  // The class object, as RemoteCreateInstance answers a new object (3.1.2.5.2.3.3): each call makes a new
  // one, which the client releases like any object.
  HRESULT RemoteGetClassObject(rpc::ServerCall&, const ORPCTHIS&, ORPCTHAT& that, const MInterfacePointer* in,
                               std::unique_ptr<MInterfacePointer>& out) override {
    that = ORPCTHAT{};
    return answer(in, out, [](const ClassFactory& factory, com::ComPtr<com::IUnknown>& object) {
      object = com::makeObject<ClassObject>(factory).as<com::IUnknown>();
      return com::S_OK;
    });
  }

 private:
  // Answers a request for the class its properties name with the object `make` makes from the class's
  // factory.
  template <class Make>
  HRESULT answer(const MInterfacePointer* in, std::unique_ptr<MInterfacePointer>& out, Make make) {
    if (in == nullptr) return com::E_INVALIDARG;
    const InstantiationInfoData what = readRequest(*in);
    std::shared_lock<std::shared_mutex> lock(state_->mu);
    if (state_->exporter == nullptr) return com::CO_E_SERVER_STOPPING;
    const auto cls = state_->classes.find(what.classId);
    if (cls == state_->classes.end()) return com::REGDB_E_CLASSNOTREG;
    com::ComPtr<com::IUnknown> object;
    if (const com::HRESULT made = make(cls->second, object); made < 0) return made;
    return reply(object, *what.pIID, out);
  }

  // Exports the interfaces `iids` of `object` and answers them (PropsOutInfo) with where the exporter is
  // (ScmReplyInfoData): S_OK when the object has them all, CO_S_NOTALLINTERFACES when it has some,
  // E_NOINTERFACE when it has none. Called with the state's lock held.
  HRESULT reply(const com::ComPtr<com::IUnknown>& object, const std::vector<IID>& iids,
                std::unique_ptr<MInterfacePointer>& out) {
    PropsOutInfo results;
    results.cIfs = static_cast<DWORD>(iids.size());
    results.piid = std::make_unique<std::vector<IID>>(iids);
    results.phresults = std::make_unique<std::vector<HRESULT>>();
    results.ppIntfData = std::make_unique<std::vector<std::unique_ptr<MInterfacePointer>>>();
    std::size_t found = 0;
    for (const IID& iid : iids) {
      com::ObjRef ref;
      const com::HRESULT hr = state_->exporter->marshalInterface(object.get(), iid, 1, ref);
      results.phresults->push_back(hr);
      if (hr < 0) {
        results.ppIntfData->push_back(nullptr);
        continue;
      }
      ++found;
      auto pointer = std::make_unique<MInterfacePointer>();
      pointer->abData = com::encodeObjRef(ref);
      pointer->ulCntData = static_cast<std::uint32_t>(pointer->abData.size());
      results.ppIntfData->push_back(std::move(pointer));
    }
    if (found == 0) return com::E_NOINTERFACE;

    ScmReplyInfoData scm;
    scm.remoteReply = std::make_unique<customREMOTE_REPLY_SCM_INFO>();
    scm.remoteReply->Oxid = state_->exporter->oxid();
    const com::PackedDualStringArray bindings = com::pack(state_->exporter->bindings());
    scm.remoteReply->pdsaOxidBindings = std::make_unique<DUALSTRINGARRAY>(DUALSTRINGARRAY{
        static_cast<uint16_t>(bindings.entries.size()), bindings.securityOffset, bindings.entries});
    scm.remoteReply->ipidRemUnknown = state_->exporter->remUnknownIpid();
    scm.remoteReply->authnHint = static_cast<DWORD>(state_->exporter->minAuthnLevel());
    scm.remoteReply->serverVersion = kComVersion;

    // PropsOutInfo first, then ScmReplyInfoData: the order Windows answers in, which impacket relies on.
    out = customObjRef(kIidActivationPropertiesOut, kClsidActivationPropertiesOut,
                       writeProperties({{kClsidPropsOutInfo, PropsOutInfo_Encode(results)},
                                        {kClsidScmReplyInfo, ScmReplyInfoData_Encode(scm)}}));
    return found == iids.size() ? com::S_OK : com::CO_S_NOTALLINTERFACES;
  }

  std::shared_ptr<Activator::State> state_;
};

}  // namespace

Activator::Activator(rpc::Server& server, ObjectExporter& exporter) : state_(std::make_shared<State>()) {
  state_->exporter = &exporter;
  IRemoteSCMActivator_register(server, std::make_shared<ActivatorManager>(state_),
                               {.minAuthnLevel = exporter.minAuthnLevel()});
}

Activator::~Activator() {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  state_->exporter = nullptr;
  state_->classes.clear();
}

void Activator::registerClass(const com::CLSID& clsid, ClassFactory factory) {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  state_->classes[clsid] = std::move(factory);
}

bool Activator::revokeClass(const com::CLSID& clsid) {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  return state_->classes.erase(clsid) != 0;
}

const rpc::SyntaxId& activatorInterface() {
  return IRemoteSCMActivator_ifspec;
}

namespace {

class ForwardingManager final : public ActivatorBase {
 public:
  explicit ForwardingManager(ClassLocator locate) : locate_(std::move(locate)) {}

  HRESULT RemoteCreateInstance(rpc::ServerCall&, const ORPCTHIS& orpcThis, ORPCTHAT& that,
                               const MInterfacePointer* outer, const MInterfacePointer* in,
                               std::unique_ptr<MInterfacePointer>& out) override {
    return forward(in, that, out, [&](const std::shared_ptr<rpc::Channel>& server) {
      return IRemoteSCMActivator::RemoteCreateInstance(server, orpcThis, that, outer, in, out);
    });
  }

  HRESULT RemoteGetClassObject(rpc::ServerCall&, const ORPCTHIS& orpcThis, ORPCTHAT& that,
                               const MInterfacePointer* in,
                               std::unique_ptr<MInterfacePointer>& out) override {
    return forward(in, that, out, [&](const std::shared_ptr<rpc::Channel>& server) {
      return IRemoteSCMActivator::RemoteGetClassObject(server, orpcThis, that, in, out);
    });
  }

 private:
  // Passes a request on to the activator of the server registered for its class (`call` makes the same
  // call there), and its answer back.
  template <class Call>
  HRESULT forward(const MInterfacePointer* in, ORPCTHAT& that, std::unique_ptr<MInterfacePointer>& out,
                  Call call) {
    that = ORPCTHAT{};
    if (in == nullptr) return com::E_INVALIDARG;
    // The class is all this activator needs; the server that makes it checks the rest.
    const std::optional<std::string> at = locate_(readRequest(*in).classId);
    if (!at) return com::REGDB_E_CLASSNOTREG;
    try {
      // With this process's own DCOM security (setClientSecurity): the client's identity is not passed on.
      rpc::ChannelOptions options = dcomChannelOptions();
      options.defaultTimeout = std::chrono::seconds(30);
      return call(rpc::Channel::create(*at, options));
    } catch (const rpc::RpcError& e) {
      out.reset();
      return com::hresultFromStatus(e.status());
    }
  }

  const ClassLocator locate_;
};

}  // namespace

MachineActivator::MachineActivator(rpc::Server& server, ClassLocator locate) {
  IRemoteSCMActivator_register(server, std::make_shared<ForwardingManager>(std::move(locate)));
}

namespace {

// The activation properties of a request for `iids` of a new `clsid` object: the four Windows sends
// (InstantiationInfo, ActivationContextInfo, ServerLocationInfo, ScmRequestInfo), in its order.
std::vector<std::uint8_t> requestProperties(const com::CLSID& clsid, std::span<const QueryResult> results) {
  InstantiationInfoData what;
  what.classId = clsid;
  what.classCtx = 0x10;  // CLSCTX_REMOTE_SERVER
  what.cIID = static_cast<DWORD>(results.size());
  what.pIID = std::make_unique<std::vector<IID>>();
  for (const QueryResult& r : results) what.pIID->push_back(r.iid);
  what.clientCOMVersion = kComVersion;
  // thisSize is the property's own pickled size, which does not depend on it.
  what.thisSize = static_cast<DWORD>(InstantiationInfoData_Encode(what).size());

  ScmRequestInfoData scm;
  scm.remoteRequest = std::make_unique<customREMOTE_REQUEST_SCM_INFO>();
  scm.remoteRequest->ClientImpLevel = 2;  // RPC_C_IMP_LEVEL_IDENTIFY
  scm.remoteRequest->cRequestedProtseqs = 1;
  scm.remoteRequest->pRequestedProtseqs = std::make_unique<std::vector<uint16_t>>(1, com::kTowerNcacnIpTcp);

  return writeProperties({{kClsidInstantiationInfo, InstantiationInfoData_Encode(what)},
                          {kClsidActivationContextInfo, ActivationContextInfoData_Encode({})},
                          {kClsidServerLocationInfo, LocationInfoData_Encode({})},
                          {kClsidScmRequestInfo, ScmRequestInfoData_Encode(scm)}});
}

}  // namespace

namespace {

// Asks the activator at `server` for a new object of class `clsid` (RemoteCreateInstance) or for the class
// object (RemoteGetClassObject), with the interfaces `results` name; unmarshals what it answers into them.
com::HRESULT activate(const std::string& server, const com::CLSID& clsid, std::span<QueryResult> results,
                      bool classObject) {
  for (QueryResult& r : results) r.object = nullptr, r.hr = com::E_NOINTERFACE;
  if (results.empty()) return com::E_INVALIDARG;
  rpc::StringBinding binding = rpc::StringBinding::parse(server);
  if (binding.endpoint.empty()) binding.endpoint = "135";
  const std::string at = binding.toString();
  try {
    const auto channel = rpc::Channel::create(at, dcomChannelOptions());
    ORPCTHIS orpcThis;
    orpcThis.version = kComVersion;
    orpcThis.cid = com::newGuid();
    ORPCTHAT orpcThat;
    MInterfacePointer request;
    request.abData = com::encodeCustomObjRef(com::CustomObjRef{
        kIidActivationPropertiesIn, kClsidActivationPropertiesIn, requestProperties(clsid, results)});
    request.ulCntData = static_cast<std::uint32_t>(request.abData.size());
    std::unique_ptr<MInterfacePointer> reply;
    const HRESULT hr =
        classObject ? IRemoteSCMActivator::RemoteGetClassObject(channel, orpcThis, orpcThat, &request, reply)
                    : IRemoteSCMActivator::RemoteCreateInstance(channel, orpcThis, orpcThat, nullptr,
                                                                &request, reply);
    if (hr < 0) return hr;
    if (!reply) return com::RPC_E_INVALID_OBJECT;

    const com::CustomObjRef answer = com::decodeCustomObjRef(reply->abData);
    const Properties properties = readProperties(answer.data);
    const auto outBytes = properties.find(kClsidPropsOutInfo);
    const auto scmBytes = properties.find(kClsidScmReplyInfo);
    if (outBytes.empty() || scmBytes.empty())
      ndr::Decoder::fail("an activation reply without PropsOutInfo or ScmReplyInfoData");
    const PropsOutInfo out = PropsOutInfo_Decode(outBytes.data(), outBytes.size());
    const ScmReplyInfoData scm = ScmReplyInfoData_Decode(scmBytes.data(), scmBytes.size());
    if (!out.phresults || !out.ppIntfData || out.phresults->size() != results.size())
      ndr::Decoder::fail("an activation reply whose PropsOutInfo does not answer every interface asked for");
    // The objects' resolver, which pings them: what their OBJREFs name (a server's own endpoints here;
    // Windows' port 135), not necessarily the activator asked (midlrtd's serves no resolver).
    std::vector<com::ObjRef> refs(results.size());
    com::DualStringArray resolvers;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& pointer = (*out.ppIntfData)[i];
      if ((*out.phresults)[i] < 0) continue;
      if (!pointer) ndr::Decoder::fail("an activation reply without the interface pointer it succeeded with");
      refs[i] = com::decodeObjRef(pointer->abData);
      if (resolvers.strings.empty()) resolvers = refs[i].resolver;
    }
    if (scm.remoteReply && scm.remoteReply->pdsaOxidBindings)
      rememberExporter(scm.remoteReply->Oxid,
                       com::unpack(scm.remoteReply->pdsaOxidBindings->aStringArray,
                                   scm.remoteReply->pdsaOxidBindings->wSecurityOffset),
                       scm.remoteReply->ipidRemUnknown, scm.remoteReply->authnHint, resolvers, at);
    for (std::size_t i = 0; i < results.size(); ++i) {
      results[i].hr = (*out.phresults)[i];
      if (results[i].hr < 0) continue;
      // A class object's proxy is this library's own (which also links IClassFactory's proxy in).
      const ProxyFactory proxy = results[i].iid == IClassFactory::kIid
                                     ? proxyOf<IClassFactory, &IClassFactory_createProxy>
                                     : nullptr;
      const com::ComPtr<com::IUnknown> object = unmarshalObjRef(refs[i], proxy);
      results[i].hr = object->QueryInterface(results[i].iid, results[i].object.putVoid());
    }
    return hr;
  } catch (const rpc::RpcError& e) {
    return com::hresultFromStatus(e.status());
  } catch (const ndr::NdrError&) {
    return com::RPC_E_INVALID_OBJECT;
  }
}

}  // namespace

com::HRESULT createInstance(const std::string& server, const com::CLSID& clsid,
                            std::span<QueryResult> results) {
  return activate(server, clsid, results, false);
}

com::HRESULT getClassObject(const std::string& server, const com::CLSID& clsid, const com::IID& iid,
                            com::ComPtr<com::IUnknown>& out) {
  QueryResult r{iid, nullptr, com::E_NOINTERFACE};
  out = nullptr;
  const com::HRESULT hr = activate(server, clsid, std::span<QueryResult>(&r, 1), true);
  if (hr < 0) return hr;
  if (r.hr < 0) return r.hr;
  out = std::move(r.object);
  return hr;
}

}  // namespace midlrt::dcom
