// The image addon (atelier_image): OpenEXR and OpenColorIO, apart from the libtorch addon so that
// neither library is loaded, or rebuilt, with the tensor engine.
#pragma once
#include <napi.h>

namespace atelier_image {
void initExr(Napi::Env env, Napi::Object exports);
void initOcio(Napi::Env env, Napi::Object exports);
}  // namespace atelier_image
