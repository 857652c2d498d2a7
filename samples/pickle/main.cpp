// The pickling sample: a Note written to a file with Note_Encode and read back with Note_Decode, the
// functions midlc generates for [encode, decode] in notes.acf (MS-RPCE type serialization version 1); then
// a call of the procedure Archive pickled with Notes::Archive_Encode and read back with Archive_Decode.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "notes.h"

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "note.bin";
  try {
    Note note;
    note.created = 1764763200;
    note.title = "pickled by midlc";
    note.tags = {7, 42};
    note.tagCount = static_cast<int32_t>(note.tags.size());

    const std::vector<std::uint8_t> bytes = Note_Encode(note);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::cout << "wrote " << bytes.size() << " bytes to " << path << "\n";

    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> read{std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>()};
    const Note back = Note_Decode(read);
    std::cout << "read back \"" << back.title << "\", created " << back.created << ", tags";
    for (int32_t tag : back.tags) std::cout << " " << tag;
    std::cout << "\n";
    if (back.title != note.title || back.created != note.created || back.tags != note.tags) return 1;

    // A procedure pickled: Archive's arguments behind a header naming interface Notes and procedure 0.
    const std::vector<std::uint8_t> call = Notes::Archive_Encode(note, 3);
    Note archived;
    int32_t shelf = 0;
    Notes::Archive_Decode(call, archived, shelf);
    std::cout << "pickled Archive(\"" << archived.title << "\", shelf " << shelf << ") in " << call.size()
              << " bytes\n";
    return archived.title == note.title && shelf == 3 ? 0 : 1;
  } catch (const midlrt::ndr::NdrError& e) {
    std::cerr << "pickle_sample: " << e.what() << "\n";
    return 1;
  }
}
