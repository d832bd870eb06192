// The OpenColorIO config a production uses until it names its own (settings: ocioConfig). Colour
// space names follow the ACES 1.3 studio config, with the ACES 1.2 names as aliases, so that a
// production's settings keep working when it switches to the studio's ACES config. The reference
// space is linear Rec.709; the matrices are derived from the primaries with a Bradford adaptation
// (AP1/AP0 white -> D65) and equal the published ACEScg <-> linear sRGB matrices.

/** Names in the built-in config (and the ACES 1.3 config). */
export const SPACE = {
  linearSrgb: 'Linear Rec.709 (sRGB)',
  acescg: 'ACEScg',
  aces: 'ACES2065-1',
  srgbTexture: 'sRGB - Texture',
  srgbDisplay: 'sRGB - Display',
  rec709Display: 'Rec.1886 Rec.709 - Display',
  raw: 'Raw',
} as const;

// Row-major 3x3 in OCIO's 4x4 layout.
const m4 = (m: number[]) => `[${m[0]}, ${m[1]}, ${m[2]}, 0, ${m[3]}, ${m[4]}, ${m[5]}, 0, ${m[6]}, ${m[7]}, ${m[8]}, 0, 0, 0, 0, 1]`;

/** ACEScg (AP1, ACES white) -> linear Rec.709 (D65), Bradford. */
export const AP1_TO_LIN709 = [
  1.705050992657984, -0.621792120657005, -0.083258872000979,
  -0.130256417507044, 1.140804736575401, -0.010548319068358,
  -0.024003356804618, -0.128968976064971, 1.152972332869588,
];
/** ACES2065-1 (AP0) -> linear Rec.709 (D65), Bradford. */
const AP0_TO_LIN709 = [
  2.52168618674388, -1.13413098823972, -0.387555198504164,
  -0.276479914229922, 1.37271908766826, -0.0962391734383339,
  -0.0153780649660342, -0.152975335867399, 1.16835340083343,
];

const SRGB_CURVE = '!<ExponentWithLinearTransform> {gamma: 2.4, offset: 0.055, direction: inverse}';

export const BUILTIN_OCIO_CONFIG = `ocio_profile_version: 2
name: atelier-builtin
description: Atelier's built-in config (ACES 1.3 studio config names; reference linear Rec.709)
search_path: ""
strictparsing: true
luma: [0.2126, 0.7152, 0.0722]

roles:
  scene_linear: ${SPACE.linearSrgb}
  default: ${SPACE.srgbTexture}
  data: ${SPACE.raw}
  color_picking: ${SPACE.srgbTexture}
  texture_paint: ${SPACE.srgbTexture}
  matte_paint: ${SPACE.srgbTexture}
  compositing_linear: ${SPACE.acescg}
  rendering: ${SPACE.acescg}
  aces_interchange: ${SPACE.aces}

displays:
  sRGB - Display:
    - !<View> {name: Standard, colorspace: ${SPACE.srgbDisplay}}
    - !<View> {name: Raw, colorspace: ${SPACE.raw}}
  Rec.1886 Rec.709 - Display:
    - !<View> {name: Standard, colorspace: ${SPACE.rec709Display}}
    - !<View> {name: Raw, colorspace: ${SPACE.raw}}

active_displays: []
active_views: []

colorspaces:
  - !<ColorSpace>
    name: ${SPACE.linearSrgb}
    aliases: [lin_rec709_srgb, lin_srgb, Utility - Linear - sRGB, linear]
    family: Utility
    encoding: scene-linear
    isdata: false
    description: linear Rec.709 primaries, D65 (the reference space)

  - !<ColorSpace>
    name: ${SPACE.acescg}
    aliases: [ACES - ACEScg, lin_ap1, acescg]
    family: ACES
    encoding: scene-linear
    isdata: false
    to_scene_reference: !<MatrixTransform> {matrix: ${m4(AP1_TO_LIN709)}}

  - !<ColorSpace>
    name: ${SPACE.aces}
    aliases: [ACES - ACES2065-1, lin_ap0, aces]
    family: ACES
    encoding: scene-linear
    isdata: false
    to_scene_reference: !<MatrixTransform> {matrix: ${m4(AP0_TO_LIN709)}}

  - !<ColorSpace>
    name: ${SPACE.srgbTexture}
    aliases: [srgb_tx, Utility - sRGB - Texture, srgb, sRGB]
    family: Utility
    encoding: sdr-video
    isdata: false
    from_scene_reference: ${SRGB_CURVE}

  - !<ColorSpace>
    name: ${SPACE.srgbDisplay}
    aliases: [srgb_display, Output - sRGB]
    family: Display
    encoding: sdr-video
    isdata: false
    from_scene_reference: ${SRGB_CURVE}

  - !<ColorSpace>
    name: ${SPACE.rec709Display}
    aliases: [rec1886_rec709_display, Output - Rec.709, Gamma 2.4 Rec.709 - Texture]
    family: Display
    encoding: sdr-video
    isdata: false
    from_scene_reference: !<ExponentTransform> {value: [2.4, 2.4, 2.4, 1], direction: inverse}

  - !<ColorSpace>
    name: ${SPACE.raw}
    aliases: [raw, Utility - Raw]
    family: Utility
    encoding: data
    isdata: true
`;
