// The one native type: a JS object owning a torch::Tensor, plus argument readers that turn
// every malformed call into a JavaScript Error (never a crash). Logic lives in TypeScript.
#pragma once
#include <napi.h>
#include <torch/torch.h>
#include <string>
#include <vector>

namespace atelier {

class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TensorHandle(const Napi::CallbackInfo& info);
  at::Tensor tensor;
  bool disposed = false;
};

struct AddonData {
  Napi::FunctionReference tensorCtor;
};

// Wraps a result tensor in a new JS handle.
Napi::Value wrap(Napi::Env env, at::Tensor t);
Napi::Value wrapAll(Napi::Env env, const std::vector<at::Tensor>& ts);

// Reads the i-th argument, with an error message naming the argument when it has the wrong type.
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}
  Napi::Env env() const { return info_.Env(); }
  size_t size() const { return info_.Length(); }
  bool isNullish(size_t i) const;
  at::Tensor tensor(size_t i) const;
  c10::optional<at::Tensor> optTensor(size_t i) const;
  std::vector<at::Tensor> tensors(size_t i) const;
  std::vector<int64_t> ints(size_t i) const;
  int64_t i64(size_t i) const;
  double num(size_t i) const;
  at::Scalar scalar(size_t i) const;
  bool flag(size_t i) const;
  std::string str(size_t i) const;
  // A tensor, or a JS number turned into a "wrapped number" tensor that follows PyTorch's
  // type promotion (a float32 tensor times 0.5 stays float32).
  at::Tensor tensorOrScalar(size_t i, const at::Device& device) const;

 private:
  const Napi::CallbackInfo& info_;
  Napi::Value at(size_t i) const;
};

at::ScalarType parseDtype(const std::string& s);
std::string dtypeName(at::ScalarType t);

// Runs fn and converts C++ exceptions (c10::Error included) into JS Errors.
using NativeFn = Napi::Value (*)(const Napi::CallbackInfo&);
Napi::Value guarded(const Napi::CallbackInfo& info, NativeFn fn);

// Registers fn under name on exports, wrapped by guarded().
#define ATELIER_EXPORT(exports, name, fn)                                                    \
  (exports).Set(name, Napi::Function::New((exports).Env(), [](const Napi::CallbackInfo& info) { \
                  return ::atelier::guarded(info, fn);                                       \
                }, name))

void initCreation(Napi::Env env, Napi::Object exports);
void initElementwise(Napi::Env env, Napi::Object exports);
void initShape(Napi::Env env, Napi::Object exports);
void initNN(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initFlow(Napi::Env env, Napi::Object exports);

}  // namespace atelier
