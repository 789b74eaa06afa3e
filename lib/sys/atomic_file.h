// Replacing a small file so that a reader sees either the old content or the new one, never a
// part of it, and a failure (a full /run, an I/O error) is reported instead of leaving an empty
// or partial file in place.
#ifndef TWINARRAY_LIB_SYS_ATOMIC_FILE_H_
#define TWINARRAY_LIB_SYS_ATOMIC_FILE_H_

#include <sys/types.h>

#include <string>

namespace twinarray {

/// Replaces the file `path` with `data`: writes a new file beside it (a unique name from
/// mkstemp in the same directory, mode `mode` exactly, the umask not applied), checks every
/// write, fsyncs and closes it (both checked), then renames it over `path`. On any failure the
/// temporary file is removed, `path` is left as it was, and false is returned with the reason in
/// `*err`. The directory must exist; the rename itself is durable once the directory is synced
/// (not done here: the callers' files live in /run). Concurrent writers each use their own
/// temporary file; the last rename wins. Logs nothing.
bool WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode,
                         std::string* err);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_ATOMIC_FILE_H_
