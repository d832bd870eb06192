#include "handle.h"
#include <ATen/ScalarOps.h>
#include <cmath>

namespace atelier {

static constexpr double kSlots = 16777216.0;  // 2^24 slots; the generation is stored above them
static constexpr uint32_t kMaxGeneration = 1u << 28;

double TensorTable::add(at::Tensor t) {
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() >= static_cast<size_t>(kSlots)) throw std::runtime_error("too many live tensors (16777216); dispose tensors or use tidy()");
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
    generation_.push_back(0);
  }
  slots_[index] = std::move(t);
  live_++;
  return static_cast<double>(generation_[index]) * kSlots + index;
}

at::Tensor* TensorTable::find(double id) {
  if (!(id >= 0) || id != std::floor(id) || id >= kSlots * kMaxGeneration) return nullptr;
  uint32_t index = static_cast<uint32_t>(std::fmod(id, kSlots));
  uint32_t gen = static_cast<uint32_t>(std::floor(id / kSlots));
  if (index >= slots_.size() || generation_[index] != gen || !slots_[index].defined()) return nullptr;
  return &slots_[index];
}

bool TensorTable::release(double id) {
  at::Tensor* t = find(id);
  if (!t) return false;
  uint32_t index = static_cast<uint32_t>(std::fmod(id, kSlots));
  *t = at::Tensor();
  generation_[index] = (generation_[index] + 1) % kMaxGeneration;
  free_.push_back(index);
  live_--;
  return true;
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  return Napi::Number::New(env, env.GetInstanceData<AddonData>()->tensors.add(std::move(t)));
}

Napi::Value wrapAll(Napi::Env env, const std::vector<at::Tensor>& ts) {
  Napi::Array arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) arr.Set(i, wrap(env, ts[i]));
  return arr;
}

Napi::Value Args::at(size_t i) const {
  if (i >= info_.Length()) throw Napi::TypeError::New(env(), "missing argument " + std::to_string(i));
  return info_[i];
}

bool Args::isNullish(size_t i) const {
  return i >= info_.Length() || info_[i].IsUndefined() || info_[i].IsNull();
}

static at::Tensor unwrapTensor(Napi::Env env, Napi::Value v, const std::string& what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, "expected a tensor for " + what);
  at::Tensor* t = env.GetInstanceData<AddonData>()->tensors.find(v.As<Napi::Number>().DoubleValue());
  if (!t) throw Napi::Error::New(env, "tensor was disposed (" + what + ")");
  return *t;
}

at::Tensor Args::tensor(size_t i) const {
  return unwrapTensor(env(), at(i), "argument " + std::to_string(i));
}

c10::optional<at::Tensor> Args::optTensor(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return tensor(i);
}

std::vector<at::Tensor> Args::tensors(size_t i) const {
  Napi::Value v = at(i);
  if (!v.IsArray()) throw Napi::TypeError::New(env(), "expected an array of tensors for argument " + std::to_string(i));
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++)
    out.push_back(unwrapTensor(env(), arr.Get(k), "element " + std::to_string(k) + " of argument " + std::to_string(i)));
  return out;
}

std::vector<int64_t> Args::ints(size_t i) const {
  Napi::Value v = at(i);
  if (!v.IsArray()) throw Napi::TypeError::New(env(), "expected an array of integers for argument " + std::to_string(i));
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<int64_t> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value e = arr.Get(k);
    if (!e.IsNumber()) throw Napi::TypeError::New(env(), "expected integers in argument " + std::to_string(i));
    double d = e.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.007199254740991e15)
      throw Napi::TypeError::New(env(), "expected integers in argument " + std::to_string(i));
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

int64_t Args::i64(size_t i) const {
  Napi::Value v = at(i);
  if (!v.IsNumber()) throw Napi::TypeError::New(env(), "expected an integer for argument " + std::to_string(i));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.007199254740991e15)
    throw Napi::TypeError::New(env(), "expected an integer for argument " + std::to_string(i));
  return static_cast<int64_t>(d);
}

double Args::num(size_t i) const {
  Napi::Value v = at(i);
  if (!v.IsNumber()) throw Napi::TypeError::New(env(), "expected a number for argument " + std::to_string(i));
  return v.As<Napi::Number>().DoubleValue();
}

at::Scalar Args::scalar(size_t i) const {
  double d = num(i);
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9.007199254740991e15)
    return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

bool Args::flag(size_t i) const {
  Napi::Value v = at(i);
  if (!v.IsBoolean()) throw Napi::TypeError::New(env(), "expected a boolean for argument " + std::to_string(i));
  return v.As<Napi::Boolean>().Value();
}

std::string Args::str(size_t i) const {
  Napi::Value v = at(i);
  if (!v.IsString()) throw Napi::TypeError::New(env(), "expected a string for argument " + std::to_string(i));
  return v.As<Napi::String>().Utf8Value();
}

at::Tensor Args::tensorOrScalar(size_t i, bool isScalar, const at::Device& device) const {
  if (isScalar) return at::native::wrapped_scalar_tensor(scalar(i), device);
  return tensor(i);
}

at::ScalarType parseDtype(const std::string& s) {
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "float16") return at::kHalf;
  if (s == "bfloat16") return at::kBFloat16;
  if (s == "uint8") return at::kByte;
  if (s == "int32") return at::kInt;
  if (s == "int64") return at::kLong;
  if (s == "bool") return at::kBool;
  throw std::invalid_argument("unknown dtype '" + s + "' (expected float32, float64, float16, bfloat16, uint8, int32, int64 or bool)");
}

std::string dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kByte: return "uint8";
    case at::kInt: return "int32";
    case at::kLong: return "int64";
    case at::kBool: return "bool";
    default: return std::string(c10::toString(t));
  }
}

// libtorch messages carry an internal source location after the first line; keep the sentence.
static std::string cleanMessage(const std::string& m) {
  std::string s = m;
  auto pos = s.find("\nException raised from");
  if (pos != std::string::npos) s = s.substr(0, pos);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Napi::Value guarded(const Napi::CallbackInfo& info, NativeFn fn) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), cleanMessage(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), cleanMessage(e.what()));
  } catch (...) {
    throw Napi::Error::New(info.Env(), "unknown native error");
  }
}

}  // namespace atelier
