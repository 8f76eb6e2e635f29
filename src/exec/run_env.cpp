#include "exec/run_env.h"

namespace hostbpf::exec::detail {
constinit thread_local const RunEnv* tls_env = nullptr;
}
