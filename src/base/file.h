// Reading a whole file named by a user (an object, a BTF blob, a --ctx-file).
//
// std::ifstream opens a directory without complaint and then throws
// std::ios_base::failure from the first read, which no caller expects and the
// public API promises never escapes. This is the one place that turns every
// way a path can be unreadable into an Error naming the path and the reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hostbpf/error.h"

namespace hostbpf::base {

/// The bytes of the file at `path`. Errors name the path and the reason,
/// with the errno-style code: "PATH: cannot open: No such file or directory"
/// (-ENOENT), "PATH: is a directory" (-EISDIR), "PATH: cannot read: ..." (the
/// read's errno), "PATH: larger than 256 MiB" (-EFBIG: a device such as
/// /dev/zero never ends). `what` goes between the two: "PATH: cannot read BTF:
/// is a directory".
Result<std::vector<uint8_t>> read_file(const std::string& path, std::string_view what = {});

/// What read_file reads at most: far more than any object, BTF or context.
inline constexpr size_t kMaxFileSize = size_t{256} << 20;

}  // namespace hostbpf::base
