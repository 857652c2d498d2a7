// The security of the DCOM calls a process makes: the client half of CoInitializeSecurity. (A server's
// half is ExporterOptions::minAuthnLevel, its interfaces' InterfaceOptions and
// rpc::Server::registerAuthInfo.)
#pragma once

#include "midlrt/rpc/security.h"

namespace midlrt::dcom {

/// Sets the authentication the DCOM calls this process makes from now on carry: activation requests
/// (createInstance, getClassObject), the object resolver's calls (ResolveOxid2, pings) and the calls of
/// proxies made from OBJREFs (IRemUnknown's and the objects' own interfaces). An exporter whose authnHint
/// (in ResolveOxid2's or the activation's reply) asks for more than `auth.level` has its calls made at the
/// hint's level, as Windows' clients raise theirs. Channels made before keep theirs: set it once, before
/// the first DCOM call, as CoInitializeSecurity is called. The default: unauthenticated (service kNone).
/// Thread-safe. Not yet per proxy (CoSetProxyBlanket) or per activation (COSERVERINFO's COAUTHINFO).
void setClientSecurity(const rpc::ClientAuth& auth);

/// What setClientSecurity set.
rpc::ClientAuth clientSecurity();

}  // namespace midlrt::dcom
