"""Images for a capture: files or folders read with Pillow, a built-in default set, and the
preprocessing (resize, centre crop, mean / std, channel order) that turns them into a batch.

The default set is ten photographs that scikit-image ships inside its wheel (``skimage/data``),
all public domain, CC0 or "no known copyright restrictions" by scikit-image's own notes:
astronaut (NASA), camera (CC0, L. Varshney), chelsea the cat (CC0, S. van der Walt), coffee (CC0,
R. Michetti), coins, the Hubble deep field (NASA), an IHC tissue stain, a retina fundus photo
(CC0), the DSCOVR rocket launch (SpaceX, public domain) and a text page. Grey images are
repeated over three channels. They make ``accelsim capture MODEL`` work offline
(docs/references.md#skimage-photographs).

Preprocessing defaults to the ImageNet convention: shorter side resized to 256, centre crop
224 x 224, pixels scaled to [0, 1], then (x - mean) / std with mean (0.485, 0.456, 0.406) and std
(0.229, 0.224, 0.225), RGB order, laid out N x C x H x W
(docs/references.md#imagenet-preprocessing).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from accelsim.errors import SpecError

DEFAULT_IMAGES = ("astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png",
                  "hubble_deep_field.jpg", "ihc.png", "retina.jpg", "rocket.jpg", "text.png")
SUFFIXES = (".jpg", ".jpeg", ".png")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Preprocess:
    """How an image becomes one C x H x W input (C = 3)."""
    resize: int | tuple[int, int] | None = 256      # shorter side, or exact (height, width)
    crop: tuple[int, int] | None = (224, 224)       # centre crop (height, width) after resizing
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    channels: str = "rgb"                           # or "bgr" (Caffe-trained models)

    def out_size(self, width: int, height: int) -> tuple[int, int]:
        """(height, width) this preprocessing makes of a width x height image."""
        if self.crop is not None:
            return self.crop
        if isinstance(self.resize, tuple):
            return self.resize
        if isinstance(self.resize, int):
            w, h = _shorter_side(width, height, self.resize)
            return h, w
        return height, width


def default_images() -> list[Path]:
    """The built-in photographs (scikit-image's wheel); SpecError when it is not installed."""
    import importlib.util
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise SpecError("--images", "", message="no images given and scikit-image (whose "
                        "photographs are the default set) is not installed: "
                        "pip install 'accelsim[models]', or pass --images DIR")
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    return [folder / name for name in DEFAULT_IMAGES if (folder / name).exists()]


def image_paths(sources: list[str]) -> list[Path]:
    """Files as given, folders expanded to their JPEG / PNG files in name order."""
    out: list[Path] = []
    for src in sources:
        p = Path(src)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES)
            if not found:
                raise SpecError(src, "", message="no .jpg, .jpeg or .png image in this folder")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise SpecError(src, "", message="image file or folder not found")
    return out


def read_image(path: Path):
    """The image as an RGB Pillow image; a file that does not decode is a SpecError."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as im:
            im.load()
            return im.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise SpecError(str(path), "", message=f"not a decodable image ({exc.__class__.__name__})") \
            from None


def batch(paths: list[Path], pp: Preprocess,
          progress: Callable[[int, int, str], None] | None = None) -> np.ndarray:
    """N x 3 x H x W float32 inputs; every image must come out the same size."""
    if not paths:
        raise SpecError("--images", "", message="no images to capture with")
    out = []
    for i, path in enumerate(paths):
        x = preprocess(read_image(path), pp)
        if out and x.shape != out[0].shape:
            raise SpecError(str(path), "", message=f"preprocessing makes it {_hw(x.shape)}, the "
                            f"first image {_hw(out[0].shape)}; give --resize HxW or --crop HxW")
        out.append(x)
        if progress:
            progress(i + 1, len(paths), f"image {path.name}")
    return np.stack(out)


def preprocess(img, pp: Preprocess) -> np.ndarray:
    """One Pillow RGB image -> 3 x H x W float32."""
    from PIL import Image
    if isinstance(pp.resize, tuple):
        img = img.resize((pp.resize[1], pp.resize[0]), Image.Resampling.BILINEAR)
    elif isinstance(pp.resize, int):
        img = img.resize(_shorter_side(img.width, img.height, pp.resize),
                         Image.Resampling.BILINEAR)
    if pp.crop is not None:
        ch, cw = pp.crop
        if ch > img.height or cw > img.width:
            raise SpecError("--crop", "", f"a crop within the resized {img.height}x{img.width} "
                            "image", f"{ch}x{cw}")
        top, left = (img.height - ch) // 2, (img.width - cw) // 2
        img = img.crop((left, top, left + cw, top + ch))
    x = np.asarray(img, dtype=np.float32) / 255.0                      # H x W x 3, RGB
    if pp.channels == "bgr":
        x = x[..., ::-1]
    x = (x - np.asarray(pp.mean, np.float32)) / np.asarray(pp.std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def _shorter_side(width: int, height: int, side: int) -> tuple[int, int]:
    """(width, height) with the shorter side scaled to ``side``, aspect ratio kept."""
    if width <= height:
        return side, max(1, round(height * side / width))
    return max(1, round(width * side / height)), side


def _hw(shape) -> str:
    return f"{shape[-2]}x{shape[-1]}"


def parse_size(text: str, flag: str) -> int | tuple[int, int]:
    """'256' -> 256, '48x192' -> (48, 192) (height x width)."""
    parts = str(text).lower().split("x")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (1, 2) or min(nums) < 1:
        raise SpecError(flag, "", "N or HxW with positive integers", text)
    return nums[0] if len(nums) == 1 else (nums[0], nums[1])


def load_preprocess(path: str | Path, base: Preprocess = Preprocess()) -> Preprocess:
    """A preprocessing YAML: ``resize`` (N or [H, W]), ``crop`` ([H, W], N, or null), ``mean``,
    ``std`` (three numbers), ``channels`` (rgb | bgr); missing keys keep ``base``."""
    from accelsim.spec.reader import Reader, check_number, load_yaml
    file = str(path)
    r = Reader(load_yaml(path), file)

    def size(key, default):
        if not r.has(key):
            r.known(key)
            return default
        raw = r.raw(key)
        if raw is None:
            return None
        if isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int) for v in raw):
            return (raw[0], raw[1])
        if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
            return raw
        raise r.error(key, "a positive integer or [height, width]", raw)

    def triple(key, default):
        if not r.has(key):
            r.known(key)
            return default
        raw = r.list(key)
        if len(raw) != 3:
            raise r.error(key, "three numbers (one per channel)", raw)
        return tuple(check_number(v, file, f"{key}[{i}]") for i, v in enumerate(raw))

    resize = size("resize", base.resize)
    crop = size("crop", base.crop)
    crop = (crop, crop) if isinstance(crop, int) else crop
    pp = Preprocess(resize, crop, triple("mean", base.mean), triple("std", base.std),
                    r.choice("channels", ("rgb", "bgr"), base.channels))
    r.done()
    if any(s <= 0 for s in pp.std):
        raise SpecError(file, "std", "positive numbers", list(pp.std))
    return pp
