// Module entry: one instance per Node environment (main thread and each worker thread).
#include "handle.h"

namespace atelier {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->tensorCtor = Napi::Persistent(TensorHandle::Define(env));
  env.SetInstanceData<AddonData>(data);
  exports.Set("NativeTensor", data->tensorCtor.Value());
  initCreation(env, exports);
  initElementwise(env, exports);
  initShape(env, exports);
  initNN(env, exports);
  initAutograd(env, exports);
  initFlow(env, exports);
  return exports;
}

}  // namespace atelier

static Napi::Object InitAtelier(Napi::Env env, Napi::Object exports) { return atelier::Init(env, exports); }

NODE_API_MODULE(atelier_native, InitAtelier)
