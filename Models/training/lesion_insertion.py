"""Lesions inserted into training crops, and smooth deformations of the crops: augmentation that teaches
what a lesion is (a compact 3-D focus above its own surroundings, wherever it lies) rather than where one
generator puts its lesions and how it shapes its organs.

A training family has a few lesions per study, always in the same few kinds of places; inserting lesions
into negative crops (often beside the hottest thing in the crop: bladder, ureter, bowel, an organ's edge,
and into the crops the network scores highest) gives the network positives next to exactly the structures
that fool it, at every contrast and size. A lesion is rendered as the generators render theirs and as a
scanner sees one: a uniform ellipsoid (sometimes with a cold necrotic core) at a multiple of the uptake
around it, blurred by a Gaussian point spread function, in every channel at that channel's distance along
the body axis, with Poisson-like noise on the uptake it adds.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


def blurred_ball(distance, radius, sigma):
    """A uniform ball of `radius` convolved with an isotropic Gaussian of `sigma`, at `distance` from its
    centre (closed form; 1 deep inside a large ball, 0 far away)."""
    rho = torch.clamp(distance, min=1e-4)
    a, b = (radius - rho) / (SQRT2 * sigma), (radius + rho) / (SQRT2 * sigma)
    return 0.5 * (torch.erf(a) + torch.erf(b)) - sigma / (rho * math.sqrt(2 * math.pi)) * (torch.exp(-a * a) - torch.exp(-b * b))


def log_uniform(rng, low, high):
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def insert_lesion(crop, top, left, index, spacing, offsets_mm, pixel_mm, rng, saturation):
    """Renders one lesion into `crop` ([size, size, C] normalised model inputs, channel c at offsets_mm[c]
    along the body axis) at a place inside the body. Returns the crop and the lesion as train_torch's lesion
    table describes one (grid row and column, fractional slice, radius in mm, visibility weight), or
    (crop, None) when no place in the crop can show a lesion (air, or uptake near the clip)."""
    size, _, channels = crop.shape
    centre = crop[:, :, channels // 2]
    margin = 6
    inner = centre[margin:size - margin, margin:size - margin]
    # Inside the body (above SUV 0.3) and not so hot that the lesion would vanish in the clip.
    places = np.argwhere((inner > 0.03) & (inner < 0.5 * saturation))
    if len(places) == 0:
        return crop, None
    row, column = places[rng.integers(len(places))] + margin
    window = centre[max(row - 2, 0):row + 3, max(column - 2, 0):column + 3]
    background = float(np.median(window))

    radius = log_uniform(rng, 5.0, 30.0) / 2
    contrast = log_uniform(rng, 1.5, 15.0)
    fwhm = rng.uniform(4.5, 9.0)
    # The scanner's blur and the model grid's area averaging (a box of one model pixel) add in variance.
    sigma = math.sqrt((fwhm / 2.3548) ** 2 + pixel_mm ** 2 / 12)
    axes = rng.uniform(0.8, 1.25, size=3)
    axes /= np.cbrt(np.prod(axes))  # an ellipsoid of the drawn sphere's volume
    dz = rng.uniform(-0.9, 0.9) * radius * axes[2]  # the lesion's centre above or below this slice: it crosses it
    sub_row, sub_column = rng.uniform(-0.5, 0.5, size=2)

    y = (torch.arange(size, dtype=torch.float32) - (row + sub_row)) * pixel_mm
    x = (torch.arange(size, dtype=torch.float32) - (column + sub_column)) * pixel_mm
    z = torch.tensor([o - dz for o in offsets_mm], dtype=torch.float32)
    distance = torch.sqrt((z[:, None, None] / axes[2]) ** 2 + (y[None, :, None] / axes[0]) ** 2 + (x[None, None, :] / axes[1]) ** 2)
    added = (contrast - 1) * blurred_ball(distance, radius, sigma)
    if radius >= 7.5 and rng.random() < 0.25:
        core = radius * rng.uniform(0.4, 0.7)
        added = added - (contrast - rng.uniform(0.5, 1.2)) * blurred_ball(distance, core, sigma)
    added = background * added.clamp(min=0).permute(1, 2, 0).numpy()

    noise_level = rng.uniform(0.01, 0.03)
    noisy = added + noise_level * np.sqrt(added) * rng.standard_normal(added.shape).astype(np.float32)
    result = np.clip(crop + noisy.astype(np.float32), 0, saturation)

    peak = min(background + float(added[:, :, channels // 2].max()), saturation)
    visibility = float(np.clip(peak / max(background, 1e-6) - 1.0, 0.0, 1.0))
    if visibility < 0.25:
        return crop, None  # too faint to call this crop positive: leave it a negative, unchanged
    return result, {"slice": index + dz / spacing, "radius": radius, "weight": visibility,
                    "row": top + row + sub_row, "column": left + column + sub_column}


def smooth_deformation(batch, rng, offsets_mm, largest_shift=2.5):
    """[B, C, H, W] → the same crops under a smooth random displacement (up to `largest_shift` pixels), one per
    crop, changing a little along the body axis (channel c moved by the crop's field plus offsets_mm[c] / 10
    times a second, weaker one), so that organs take shapes no generator drew and their edges change from
    slice to slice in other ways. Small enough that a lesion stays within its target cell's margin."""
    b, c, h, w = batch.shape
    amplitude = torch.tensor(rng.uniform(0, largest_shift, size=(b, 1, 1, 1)), dtype=torch.float32) * 2 / w
    base = torch.randn(b, 2, 4, 4) * amplitude
    slope = torch.randn(b, 2, 4, 4) * amplitude * 0.3
    along = torch.tensor(offsets_mm, dtype=torch.float32).view(1, c, 1, 1, 1) / 10
    fields = base[:, None] + along * slope[:, None]  # [B, C, 2, 4, 4]
    fields = F.interpolate(fields.reshape(b * c, 2, 4, 4), size=(h, w), mode="bicubic", align_corners=True)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    grid = torch.stack((xs, ys), dim=-1)[None] + fields.permute(0, 2, 3, 1)
    moved = F.grid_sample(batch.reshape(b * c, 1, h, w), grid, mode="bilinear", padding_mode="border", align_corners=True)
    return moved.reshape(b, c, h, w)


def local_bulges(batch, protect, rng, offsets_mm, pixel_mm, share=1.0, most=3):
    """[B, C, H, W] → the same crops with up to `most` local bulges or dents each: radial displacements of
    Gaussian support (3–12 pixels) centred where the centre slice has edges, up to 0.9 of their support (1 would fold), fading
    along the body axis over a similar extent. An organ's edge there gets a bump or a notch of the size a
    lesion has, which is what organs of other shapes show and what a net trained on smooth organs calls a
    lesion. Each crop gets them with probability `share`; `protect` ([B, H, W], 1 on lesion cells) keeps each
    lesion and its target as they were."""
    b, c, h, w = batch.shape
    centre = batch[:, c // 2]
    edges = F.pad((centre[:, 1:, :] - centre[:, :-1, :]).abs(), (0, 0, 0, 1)) + F.pad((centre[:, :, 1:] - centre[:, :, :-1]).abs(), (0, 1))
    edges = edges.reshape(b, -1) + 1e-4
    places = torch.multinomial(edges / edges.sum(dim=1, keepdim=True), most, replacement=True)
    py, px = (places // w).float(), (places % w).float()  # [B, K]
    support = torch.tensor(rng.uniform(3, 12, size=(b, most)), dtype=torch.float32)
    amplitude = torch.tensor(rng.uniform(-0.9, 0.9, size=(b, most)) * (rng.random((b, most)) < 0.7) * (rng.random((b, 1)) < share), dtype=torch.float32) * support
    depth_mm = support * pixel_mm * torch.tensor(rng.uniform(0.7, 1.5, size=(b, most)), dtype=torch.float32)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    dy = ys[None, None] - py[..., None, None]  # [B, K, H, W]
    dx = xs[None, None] - px[..., None, None]
    s = support[..., None, None]
    push = amplitude[..., None, None] * torch.exp(-(dy * dy + dx * dx) / (2 * s * s)) / s  # [B, K, H, W]
    along = torch.exp(-torch.tensor(offsets_mm, dtype=torch.float32)[None, None] ** 2 / (2 * depth_mm[..., None] ** 2))  # [B, K, C]
    keep = 1 - protect[:, None]  # [B, 1, H, W]
    shift_y = torch.einsum("bkhw,bkc->bchw", push * dy, along) * keep
    shift_x = torch.einsum("bkhw,bkc->bchw", push * dx, along) * keep
    # Sampling at x − d moves what was at the centre outwards (a bulge) for a positive amplitude.
    grid = torch.stack(((xs - shift_x) * 2 / (w - 1) - 1, (ys - shift_y) * 2 / (h - 1) - 1), dim=-1)  # [B, C, H, W, 2]
    moved = F.grid_sample(batch.reshape(b * c, 1, h, w), grid.reshape(b * c, h, w, 2), mode="bilinear",
                          padding_mode="border", align_corners=True)
    return moved.reshape(b, c, h, w)
