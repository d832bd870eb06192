// Tensors in and out of JavaScript, factories, random numbers, tensor metadata, runtime settings.
#include "handle.h"
#include <cstring>

namespace atelier {

static at::ScalarType typedArrayDtype(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_uint8_array: return at::kByte;
    case napi_int32_array: return at::kInt;
    case napi_bigint64_array: return at::kLong;
    default: throw std::invalid_argument("unsupported typed array (use Float32Array, Float64Array, Uint8Array, Int32Array or BigInt64Array)");
  }
}

static at::TensorOptions options(const Args& a, size_t dtypeIdx, size_t deviceIdx) {
  return at::TensorOptions()
      .dtype(parseDtype(a.str(dtypeIdx)))
      .device(at::Device(a.str(deviceIdx)));
}

// fromBuffer(typedArray, shape, dtype, device): copies the data into a new tensor.
static Napi::Value fromBuffer(const Napi::CallbackInfo& info) {
  Args a(info);
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "expected a typed array");
  auto arr = info[0].As<Napi::TypedArray>();
  auto shape = a.ints(1);
  auto dtype = parseDtype(a.str(2));
  at::Device device(a.str(3));
  auto srcType = typedArrayDtype(arr.TypedArrayType());
  bool boolFromBytes = dtype == at::kBool && srcType == at::kByte;
  if (srcType != dtype && !boolFromBytes)
    throw std::invalid_argument("typed array holds " + dtypeName(srcType) + " but dtype " + dtypeName(dtype) + " was asked for");
  int64_t numel = 1;
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape");
    numel *= d;
  }
  if (static_cast<size_t>(numel) != arr.ElementLength())
    throw std::invalid_argument("shape holds " + std::to_string(numel) + " elements but the array has " + std::to_string(arr.ElementLength()));
  // The element pointer from N-API itself: it also serves arrays on a SharedArrayBuffer (the
  // stroke stage's voting output, written by helper threads), which node-addon-api's ArrayBuffer refuses.
  void* first = nullptr;
  if (napi_get_typedarray_info(info.Env(), arr, nullptr, nullptr, &first, nullptr, nullptr) != napi_ok)
    throw std::invalid_argument("cannot read the typed array's data");
  uint8_t* data = static_cast<uint8_t*>(first);
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(boolFromBytes ? at::kByte : dtype));
  if (numel > 0) std::memcpy(t.data_ptr(), data, arr.ByteLength());
  if (boolFromBytes) t = t.ne(0);  // any nonzero byte is true; never reinterpret raw bytes as bool
  if (device.type() != at::kCPU) t = t.to(device);
  return wrap(info.Env(), t);
}

// toBuffer(t): a new typed array holding a copy of the (cpu, contiguous) data.
static Napi::Value toBuffer(const Napi::CallbackInfo& info) {
  Args a(info);
  at::Tensor t = a.tensor(0).detach().to(at::kCPU).contiguous();
  napi_typedarray_type tt;
  switch (t.scalar_type()) {
    case at::kFloat: tt = napi_float32_array; break;
    case at::kDouble: tt = napi_float64_array; break;
    case at::kByte: case at::kBool: tt = napi_uint8_array; break;
    case at::kInt: tt = napi_int32_array; break;
    case at::kLong: tt = napi_bigint64_array; break;
    case at::kHalf: case at::kBFloat16: t = t.to(at::kFloat); tt = napi_float32_array; break;
    default: throw std::invalid_argument("cannot read a tensor of dtype " + dtypeName(t.scalar_type()));
  }
  size_t bytes = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  napi_value out;
  NAPI_THROW_IF_FAILED(info.Env(), napi_create_typedarray(info.Env(), tt, static_cast<size_t>(t.numel()), buf, 0, &out), Napi::Value());
  return Napi::Value(info.Env(), out);
}

// fromBytes(Uint8Array, shape, dtype, device): raw little-endian bytes of any dtype (safetensors).
static Napi::Value fromBytes(const Napi::CallbackInfo& info) {
  Args a(info);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), "expected a Uint8Array of raw tensor bytes");
  auto arr = info[0].As<Napi::Uint8Array>();
  auto shape = a.ints(1);
  auto dtype = parseDtype(a.str(2));
  at::Device device(a.str(3));
  int64_t numel = 1;
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape");
    numel *= d;
  }
  size_t want = static_cast<size_t>(numel) * c10::elementSize(dtype);
  if (arr.ByteLength() != want)
    throw std::invalid_argument("shape and dtype need " + std::to_string(want) + " bytes but " + std::to_string(arr.ByteLength()) + " were given");
  if (dtype == at::kBool)
    for (size_t i = 0; i < arr.ElementLength(); i++)
      if (arr[i] > 1) throw std::invalid_argument("bool tensor data holds a byte other than 0 or 1");
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (want) std::memcpy(t.data_ptr(), arr.Data(), want);
  if (device.type() != at::kCPU) t = t.to(device);
  return wrap(info.Env(), t);
}

// rawBytes(t): the tensor's contiguous little-endian bytes on the CPU, any dtype.
static Napi::Value rawBytes(const Napi::CallbackInfo& info) {
  Args a(info);
  at::Tensor t = a.tensor(0).detach().to(at::kCPU).contiguous();
  size_t bytes = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  return Napi::Uint8Array::New(info.Env(), bytes, buf, 0);
}

static Napi::Value full(const Napi::CallbackInfo& info) {
  Args a(info);  // full(shape, value, dtype, device)
  return wrap(info.Env(), at::full(a.ints(0), a.scalar(1), options(a, 2, 3)));
}

static Napi::Value arange(const Napi::CallbackInfo& info) {
  Args a(info);  // arange(start, end, step, dtype, device)
  return wrap(info.Env(), at::arange(a.scalar(0), a.scalar(1), a.scalar(2), options(a, 3, 4)));
}

static Napi::Value linspace(const Napi::CallbackInfo& info) {
  Args a(info);  // linspace(start, end, steps, dtype, device)
  return wrap(info.Env(), at::linspace(a.scalar(0), a.scalar(1), a.i64(2), options(a, 3, 4)));
}

static Napi::Value rand(const Napi::CallbackInfo& info) {
  Args a(info);  // rand(shape, dtype, device)
  return wrap(info.Env(), at::rand(a.ints(0), options(a, 1, 2)));
}

static Napi::Value randn(const Napi::CallbackInfo& info) {
  Args a(info);
  return wrap(info.Env(), at::randn(a.ints(0), options(a, 1, 2)));
}

static Napi::Value randint(const Napi::CallbackInfo& info) {
  Args a(info);  // randint(low, high, shape, dtype, device)
  return wrap(info.Env(), at::randint(a.i64(0), a.i64(1), a.ints(2), options(a, 3, 4)));
}

static Napi::Value randperm(const Napi::CallbackInfo& info) {
  Args a(info);  // randperm(n, device)
  return wrap(info.Env(), at::randperm(a.i64(0), at::TensorOptions().dtype(at::kLong).device(at::Device(a.str(1)))));
}

static Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  Args a(info);
  torch::manual_seed(static_cast<uint64_t>(a.i64(0)));
  return info.Env().Undefined();
}

// The CPU generator's state as bytes, so a resumed training run draws the same numbers.
static Napi::Value rngState(const Napi::CallbackInfo& info) {
  at::Tensor s = at::detail::getDefaultCPUGenerator().get_state();
  auto buf = Napi::ArrayBuffer::New(info.Env(), s.numel());
  std::memcpy(buf.Data(), s.data_ptr(), s.numel());
  return Napi::Uint8Array::New(info.Env(), s.numel(), buf, 0);
}

static Napi::Value setRngState(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), "expected a Uint8Array of generator state");
  auto arr = info[0].As<Napi::Uint8Array>();
  at::Tensor s = at::empty({static_cast<int64_t>(arr.ElementLength())}, at::kByte);
  std::memcpy(s.data_ptr(), arr.Data(), arr.ElementLength());
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(s);  // validates the size and throws on a malformed state
  return info.Env().Undefined();
}

static Napi::Value meta(const Napi::CallbackInfo& info) {
  Args a(info);  // meta(t) -> {shape, dtype, device, requiresGrad}
  at::Tensor t = a.tensor(0);
  auto env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Napi::Array shape = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
  o.Set("shape", shape);
  o.Set("dtype", dtypeName(t.scalar_type()));
  o.Set("device", t.device().str());
  o.Set("requiresGrad", t.requires_grad());
  return o;
}

static Napi::Value item(const Napi::CallbackInfo& info) {
  Args a(info);
  at::Tensor t = a.tensor(0);
  if (t.numel() != 1) throw std::invalid_argument("item() needs a tensor with one element, this one has " + std::to_string(t.numel()));
  return Napi::Number::New(info.Env(), t.item<double>());
}

static Napi::Value dispose(const Napi::CallbackInfo& info) {
  if (info[0].IsNumber()) info.Env().GetInstanceData<AddonData>()->tensors.release(info[0].As<Napi::Number>().DoubleValue());
  return info.Env().Undefined();
}

static Napi::Value liveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(info.Env().GetInstanceData<AddonData>()->tensors.live()));
}

static Napi::Value to(const Napi::CallbackInfo& info) {
  Args a(info);  // to(t, dtype|null, device|null)
  at::Tensor t = a.tensor(0);
  auto dtype = a.isNullish(1) ? t.scalar_type() : parseDtype(a.str(1));
  auto device = a.isNullish(2) ? t.device() : at::Device(a.str(2));
  return wrap(info.Env(), t.to(device, dtype));
}

static Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  Args a(info);
  int64_t n = a.i64(0);
  if (n < 1 || n > 1024) throw std::invalid_argument("thread count must be between 1 and 1024");
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

static Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

static Napi::Value setDeterministic(const Napi::CallbackInfo& info) {
  Args a(info);
  at::globalContext().setDeterministicAlgorithms(a.flag(0), false);
  return info.Env().Undefined();
}

static Napi::Value setFlushDenormal(const Napi::CallbackInfo& info) {
  Args a(info);
  return Napi::Boolean::New(info.Env(), at::globalContext().setFlushDenormal(a.flag(0)));
}

static Napi::Value runtimeInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("torchVersion", TORCH_VERSION);
  o.Set("cudaAvailable", torch::cuda::is_available());
  o.Set("cudaDeviceCount", static_cast<double>(torch::cuda::device_count()));
  o.Set("threads", at::get_num_threads());
  o.Set("parallelInfo", at::get_parallel_info());
  o.Set("config", at::show_config());
  return o;
}

void initCreation(Napi::Env env, Napi::Object exports) {
  ATELIER_EXPORT(exports, "fromBuffer", fromBuffer);
  ATELIER_EXPORT(exports, "toBuffer", toBuffer);
  ATELIER_EXPORT(exports, "fromBytes", fromBytes);
  ATELIER_EXPORT(exports, "rawBytes", rawBytes);
  ATELIER_EXPORT(exports, "full", full);
  ATELIER_EXPORT(exports, "arange", arange);
  ATELIER_EXPORT(exports, "linspace", linspace);
  ATELIER_EXPORT(exports, "rand", rand);
  ATELIER_EXPORT(exports, "randn", randn);
  ATELIER_EXPORT(exports, "randint", randint);
  ATELIER_EXPORT(exports, "randperm", randperm);
  ATELIER_EXPORT(exports, "manualSeed", manualSeed);
  ATELIER_EXPORT(exports, "rngState", rngState);
  ATELIER_EXPORT(exports, "setRngState", setRngState);
  ATELIER_EXPORT(exports, "meta", meta);
  ATELIER_EXPORT(exports, "item", item);
  ATELIER_EXPORT(exports, "dispose", dispose);
  ATELIER_EXPORT(exports, "liveTensors", liveTensors);
  ATELIER_EXPORT(exports, "to", to);
  ATELIER_EXPORT(exports, "setNumThreads", setNumThreads);
  ATELIER_EXPORT(exports, "getNumThreads", getNumThreads);
  ATELIER_EXPORT(exports, "setDeterministic", setDeterministic);
  ATELIER_EXPORT(exports, "runtimeInfo", runtimeInfo);
  ATELIER_EXPORT(exports, "setFlushDenormal", setFlushDenormal);
}

}  // namespace atelier
