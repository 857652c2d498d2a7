// --dump-model: the semantic model of the main file as JSON, for tests and tools.
#pragma once

#include <string>

#include "sema/model.h"

namespace midlc::sema {

// The main file's items (imports are listed by name only), one stable, indented JSON document.
std::string dumpModel(const Model& model);

// A short human-readable summary of the main file: interfaces, their operations and asynchrony.
std::string summarizeModel(const Model& model);

}  // namespace midlc::sema
