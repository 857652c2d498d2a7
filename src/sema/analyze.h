// The semantic stage: syntax trees of the IDL (with its imports) and the ACF in, the checked model out.
#pragma once

#include <memory>
#include <vector>

#include "frontend/ast.h"
#include "sema/model.h"
#include "support/diagnostics.h"

namespace midlc::sema {

struct ParsedFile {
  const ast::File* file = nullptr;
  bool isMain = false;
};

// What the remoting checks (sema/remoting.h) make of a remote operation that cannot be marshaled.
enum class Stubs {
  Required,  // proxies and stubs will be generated: it is an error
  Optional,  // only the header: its interface gets no proxy or stub entry points, and says why
};

// `files` lists imported files before the files that import them, the main file last. Returns null if
// any error was reported.
std::unique_ptr<Model> analyze(const std::vector<ParsedFile>& files, const ast::AcfFile* acf,
                               Diagnostics& diagnostics, Stubs stubs = Stubs::Required);

// The namespace of the name-based IIDs midlc derives for AsyncIFoo when an ACF asks for call objects
// (see README, "Asynchronous interfaces"): IID_AsyncIFoo = nameBased(kAsyncIidNamespace, IID_IFoo text).
extern const Uuid kAsyncIidNamespace;

}  // namespace midlc::sema
