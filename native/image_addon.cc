// Module entry of atelier_image (OpenEXR + OpenColorIO); loaded by src/data/image-native.ts.
#include "image_addon.h"

static Napi::Object InitImage(Napi::Env env, Napi::Object exports) {
  atelier_image::initExr(env, exports);
  atelier_image::initOcio(env, exports);
  return exports;
}

NODE_API_MODULE(atelier_image, InitImage)
