// The one native type: a JS object owning a torch::Tensor, plus argument readers that turn
// every malformed call into a JavaScript Error (never a crash). Logic lives in TypeScript.
#pragma once
#include <napi.h>
#include <torch/torch.h>
#include <string>
#include <vector>
#include <atomic>

namespace atelier {

// Tensors live in a per-environment slot table; JavaScript holds a number (slot index plus a
// generation count). Freeing is explicit (dispose) so nothing waits for V8's deferred finalizers,
// and a stale number is recognized as a disposed tensor instead of touching freed memory.
class TensorTable {
 public:
  double add(at::Tensor t);
  at::Tensor* find(double id);  // nullptr when the id is stale or malformed
  bool release(double id);
  int64_t live() const { return live_; }

 private:
  std::vector<at::Tensor> slots_;
  std::vector<uint32_t> generation_;
  std::vector<uint32_t> free_;
  int64_t live_ = 0;
};

struct AddonData {
  TensorTable tensors;
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
  // Tensor handles are numbers too, so the caller says which arguments are plain scalars. A scalar
  // becomes a "wrapped number" tensor that follows PyTorch's type promotion (a float32 tensor
  // times 0.5 stays float32).
  at::Tensor tensorOrScalar(size_t i, bool isScalar, const at::Device& device) const;

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
void initMemory(Napi::Env env, Napi::Object exports);

}  // namespace atelier
