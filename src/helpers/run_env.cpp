#include "helpers/run_env.h"

namespace hostbpf::helpers::detail {
constinit thread_local const RunEnv* tls_env = nullptr;
}
