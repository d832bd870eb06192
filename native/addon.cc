// Module entry: one instance per Node environment (main thread and each worker thread).
#include "handle.h"

namespace atelier {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Freed with the environment (process exit or worker end), releasing any tensor still held.
  env.SetInstanceData<AddonData>(new AddonData());
  initCreation(env, exports);
  initElementwise(env, exports);
  initShape(env, exports);
  initNN(env, exports);
  initAutograd(env, exports);
  initMemory(env, exports);
  return exports;
}

}  // namespace atelier

static Napi::Object InitAtelier(Napi::Env env, Napi::Object exports) { return atelier::Init(env, exports); }

NODE_API_MODULE(atelier_native, InitAtelier)
