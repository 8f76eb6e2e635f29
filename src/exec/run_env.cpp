#include "exec/run_env.h"

namespace hostbpf::exec::detail {
thread_local const RunEnv* tls_env = nullptr;
}
