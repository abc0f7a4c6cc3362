//! The application's 2-inch photo (二寸免冠彩色证件照片, §四 2.1 (2); “上传像片合格”, §八 1),
//! checked on the uploaded bytes alone, never the file name:
//!
//! - **Type**: JPEG or PNG, by the file's first bytes (its magic number).
//! - **Size**: at most [`PhotoRules::max_bytes`] (default 2 MiB, as the bank's pictures; the guide
//!   gives no figure, and a 2-inch photo at 300 dpi is a few hundred KB as a JPEG).
//! - **Orientation and proportion**: portrait, in the proportion of a 2-inch photo, 35 × 49 mm
//!   (width ÷ height ≈ 0.714), within ±5 % (0.679–0.750): a passport-style 33 × 48 mm photo
//!   (0.688) passes, a landscape or square picture does not.
//! - **Resolution**: at least 295 × 413 pixels — sharp enough to print the ticket's photo
//!   (1 inch, 25 × 35 mm) at 300 dpi, or a 2-inch photo at about 214 dpi; a studio's 2-inch file at
//!   300 dpi is 413 × 579. At most 4000 × 5600, so a photo decoded to be printed stays under
//!   about 90 MB in memory (a phone's 3024 × 4032 picture fits).
//!
//! The pixel size is read from the header only: nothing is decoded here. Whether it shows a face
//! is the office's review.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// A 2-inch photo's width and height in millimetres: the proportion every photo is held to.
pub const TWO_INCH_MM: (u64, u64) = (35, 49);

/// The limits of the check: settings with the defaults of the module's doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoRules {
    pub max_bytes: usize,
    pub min_width: u32,
    pub min_height: u32,
    pub max_width: u32,
    pub max_height: u32,
    /// How far width ÷ height may be from 35 ÷ 49, in percent of it.
    pub tolerance_percent: u32,
}

impl Default for PhotoRules {
    fn default() -> Self {
        PhotoRules {
            max_bytes: 2 * 1024 * 1024,
            min_width: 295,
            min_height: 413,
            max_width: 4000,
            max_height: 5600,
            tolerance_percent: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormat {
    Jpeg,
    Png,
}

impl PhotoFormat {
    /// JPEG or PNG by the file's first bytes; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<PhotoFormat> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(PhotoFormat::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "image/jpeg",
            PhotoFormat::Png => "image/png",
        }
    }

    fn name(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "JPEG",
            PhotoFormat::Png => "PNG",
        }
    }
}

/// A photo that passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Photo {
    pub format: PhotoFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
}

/// Why a photo is refused, with the figures measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoRefusal {
    Empty,
    NotJpegOrPng,
    TooLarge {
        bytes: usize,
        max_bytes: usize,
    },
    /// JPEG or PNG by its first bytes, but the header cannot be read.
    Unreadable {
        format: PhotoFormat,
    },
    NotPortrait {
        width: u32,
        height: u32,
    },
    Proportion {
        width: u32,
        height: u32,
        tolerance_percent: u32,
    },
    TooFewPixels {
        width: u32,
        height: u32,
        min_width: u32,
        min_height: u32,
    },
    TooManyPixels {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
    },
}

impl PhotoRefusal {
    pub fn message_zh(&self) -> String {
        match *self {
            PhotoRefusal::Empty => "照片文件是空的，请重新上传".into(),
            PhotoRefusal::NotJpegOrPng => {
                "照片须为 JPEG 或 PNG 图片（按文件内容判断，改文件扩展名无效），请另存为 JPG 或 PNG 后上传".into()
            }
            PhotoRefusal::TooLarge { bytes, max_bytes } => format!(
                "照片文件为 {} KB，超过上限 {} KB，请压缩后上传",
                bytes.div_ceil(1024),
                max_bytes / 1024
            ),
            PhotoRefusal::Unreadable { format } => {
                format!(
                    "照片文件已损坏，无法读取（开头是 {} 图片，但内容不完整），请重新导出后上传",
                    format.name()
                )
            }
            PhotoRefusal::NotPortrait { width, height } => {
                format!("照片为 {width}×{height} 像素（宽×高），不是竖版：二寸证件照应为竖版，宽 35 毫米、高 49 毫米")
            }
            PhotoRefusal::Proportion {
                width,
                height,
                tolerance_percent,
            } => {
                let (low, high) = ratio_bounds(tolerance_percent);
                format!(
                    "照片为 {width}×{height} 像素，宽高比 {}，不符合二寸照片 35×49 毫米的比例（约 0.714，允许 ±{tolerance_percent}%，即 {}～{}），请按二寸比例裁剪",
                    thousandths(u64::from(width) * 1000, u64::from(height)),
                    thousandths(low.0, low.1),
                    thousandths(high.0, high.1)
                )
            }
            PhotoRefusal::TooFewPixels {
                width,
                height,
                min_width,
                min_height,
            } => format!(
                "照片为 {width}×{height} 像素，太小：至少需 {min_width}×{min_height} 像素（宽×高），请上传更清晰的照片"
            ),
            PhotoRefusal::TooManyPixels {
                width,
                height,
                max_width,
                max_height,
            } => {
                format!("照片为 {width}×{height} 像素，过大：最多 {max_width}×{max_height} 像素（宽×高），请缩小后上传")
            }
        }
    }
}

/// A ratio written with three decimals, rounded ("0.714"), from integers: `num` is the
/// numerator times 1000.
fn thousandths(num: u64, den: u64) -> String {
    let t = (num + den / 2) / den.max(1);
    format!("{}.{:03}", t / 1000, t % 1000)
}

/// The lowest and highest width ÷ height accepted, as fractions (×1000 in the numerator).
fn ratio_bounds(tolerance_percent: u32) -> ((u64, u64), (u64, u64)) {
    let (w, h) = TWO_INCH_MM;
    let t = u64::from(tolerance_percent);
    (
        (w * (100 - t.min(100)) * 1000, h * 100),
        (w * (100 + t) * 1000, h * 100),
    )
}

/// Whether width ÷ height is within `tolerance_percent` of 35 ÷ 49: |49w − 35h| · 100 ≤ 35h · t.
fn proportion_ok(width: u32, height: u32, tolerance_percent: u32) -> bool {
    let (w, h) = TWO_INCH_MM;
    let (width, height) = (u64::from(width), u64::from(height));
    (h * width).abs_diff(w * height) * 100 <= w * height * u64::from(tolerance_percent)
}

/// The photo's format and size if it passes; otherwise every problem that can be said (a file
/// that is not a readable JPEG or PNG of an accepted size has only that one).
pub fn check_photo(bytes: &[u8], rules: &PhotoRules) -> Result<Photo, Vec<PhotoRefusal>> {
    if bytes.is_empty() {
        return Err(vec![PhotoRefusal::Empty]);
    }
    let Some(format) = PhotoFormat::sniff(bytes) else {
        return Err(vec![PhotoRefusal::NotJpegOrPng]);
    };
    if bytes.len() > rules.max_bytes {
        return Err(vec![PhotoRefusal::TooLarge {
            bytes: bytes.len(),
            max_bytes: rules.max_bytes,
        }]);
    }
    let image_format = match format {
        PhotoFormat::Jpeg => ImageFormat::Jpeg,
        PhotoFormat::Png => ImageFormat::Png,
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), image_format)
        .into_dimensions()
        .map_err(|_| vec![PhotoRefusal::Unreadable { format }])?;
    let mut refusals = Vec::new();
    if width >= height {
        refusals.push(PhotoRefusal::NotPortrait { width, height });
    } else if !proportion_ok(width, height, rules.tolerance_percent) {
        refusals.push(PhotoRefusal::Proportion {
            width,
            height,
            tolerance_percent: rules.tolerance_percent,
        });
    }
    if width < rules.min_width || height < rules.min_height {
        refusals.push(PhotoRefusal::TooFewPixels {
            width,
            height,
            min_width: rules.min_width,
            min_height: rules.min_height,
        });
    }
    if width > rules.max_width || height > rules.max_height {
        refusals.push(PhotoRefusal::TooManyPixels {
            width,
            height,
            max_width: rules.max_width,
            max_height: rules.max_height,
        });
    }
    if refusals.is_empty() {
        Ok(Photo {
            format,
            width,
            height,
            bytes: bytes.len(),
        })
    } else {
        Err(refusals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::RgbImage::from_pixel(width, height, image::Rgb([200, 210, 230]))
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        encoded(width, height, ImageFormat::Png)
    }

    #[test]
    fn a_two_inch_photo_passes_as_jpeg_and_as_png() {
        let rules = PhotoRules::default();
        let jpeg = encoded(413, 579, ImageFormat::Jpeg);
        let photo = check_photo(&jpeg, &rules).unwrap();
        assert_eq!(
            (photo.format, photo.width, photo.height, photo.bytes),
            (PhotoFormat::Jpeg, 413, 579, jpeg.len())
        );
        assert_eq!(photo.format.mime(), "image/jpeg");
        let photo = check_photo(&png(295, 413), &rules).unwrap();
        assert_eq!((photo.format, photo.width, photo.height), (PhotoFormat::Png, 295, 413));
    }

    #[test]
    fn the_type_is_read_from_the_bytes_not_the_name() {
        let rules = PhotoRules::default();
        assert_eq!(check_photo(&[], &rules), Err(vec![PhotoRefusal::Empty]));
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(check_photo(gif, &rules), Err(vec![PhotoRefusal::NotJpegOrPng]));
        assert_eq!(check_photo(b"%PDF-1.7", &rules), Err(vec![PhotoRefusal::NotJpegOrPng]));
        assert!(PhotoRefusal::NotJpegOrPng.message_zh().contains("按文件内容判断"));
        // A PNG signature followed by nothing readable.
        let broken = b"\x89PNG\r\n\x1a\nnot a header".to_vec();
        let refused = check_photo(&broken, &rules).unwrap_err();
        assert_eq!(
            refused,
            vec![PhotoRefusal::Unreadable {
                format: PhotoFormat::Png
            }]
        );
        assert!(refused[0].message_zh().contains("PNG"));
        let mut jpeg = encoded(413, 579, ImageFormat::Jpeg);
        jpeg.truncate(4);
        assert_eq!(
            check_photo(&jpeg, &rules),
            Err(vec![PhotoRefusal::Unreadable {
                format: PhotoFormat::Jpeg
            }])
        );
    }

    #[test]
    fn the_size_limit_is_inclusive_and_said_in_kb() {
        let bytes = png(413, 579);
        let exact = PhotoRules {
            max_bytes: bytes.len(),
            ..PhotoRules::default()
        };
        assert!(check_photo(&bytes, &exact).is_ok());
        let under = PhotoRules {
            max_bytes: bytes.len() - 1,
            ..PhotoRules::default()
        };
        assert_eq!(
            check_photo(&bytes, &under),
            Err(vec![PhotoRefusal::TooLarge {
                bytes: bytes.len(),
                max_bytes: bytes.len() - 1
            }])
        );
        let message = PhotoRefusal::TooLarge {
            bytes: 2_500_000,
            max_bytes: 2 * 1024 * 1024,
        }
        .message_zh();
        assert_eq!(message, "照片文件为 2442 KB，超过上限 2048 KB，请压缩后上传");
    }

    #[test]
    fn landscape_and_square_pictures_are_refused() {
        let rules = PhotoRules::default();
        assert_eq!(
            check_photo(&png(579, 413), &rules),
            Err(vec![PhotoRefusal::NotPortrait {
                width: 579,
                height: 413
            }])
        );
        let square = check_photo(&png(500, 500), &rules).unwrap_err();
        assert_eq!(
            square,
            vec![PhotoRefusal::NotPortrait {
                width: 500,
                height: 500
            }]
        );
        assert!(
            square[0]
                .message_zh()
                .starts_with("照片为 500×500 像素（宽×高），不是竖版")
        );
    }

    #[test]
    fn the_proportion_is_35_by_49_within_five_percent() {
        // The bounds: 0.6786 and 0.75.
        assert!(proportion_ok(413, 579, 5));
        assert!(proportion_ok(390, 567, 5), "33 × 48 mm at 300 dpi (0.688)");
        assert!(proportion_ok(300, 400, 5), "0.75 exactly: the upper bound is in");
        assert!(!proportion_ok(301, 400, 5));
        assert!(proportion_ok(95, 140, 5), "0.6786: the lower bound is in");
        assert!(!proportion_ok(94, 140, 5));
        assert!(!proportion_ok(413, 531, 5), "35 × 45 mm (小二寸, 0.778)");
        assert!(!proportion_ok(413, 626, 5), "35 × 53 mm (大二寸, 0.660)");
        let rules = PhotoRules::default();
        let refused = check_photo(&png(480, 600), &rules).unwrap_err();
        assert_eq!(
            refused,
            vec![PhotoRefusal::Proportion {
                width: 480,
                height: 600,
                tolerance_percent: 5
            }]
        );
        assert_eq!(
            refused[0].message_zh(),
            "照片为 480×600 像素，宽高比 0.800，不符合二寸照片 35×49 毫米的比例（约 0.714，允许 ±5%，即 0.679～0.750），请按二寸比例裁剪"
        );
        // A wider tolerance is a setting.
        let loose = PhotoRules {
            tolerance_percent: 15,
            ..rules
        };
        assert!(check_photo(&png(480, 600), &loose).is_ok());
    }

    #[test]
    fn too_few_and_too_many_pixels_are_refused_with_the_figures() {
        let rules = PhotoRules::default();
        let small = check_photo(&png(294, 412), &rules).unwrap_err();
        assert_eq!(
            small,
            vec![PhotoRefusal::TooFewPixels {
                width: 294,
                height: 412,
                min_width: 295,
                min_height: 413
            }]
        );
        assert_eq!(
            small[0].message_zh(),
            "照片为 294×412 像素，太小：至少需 295×413 像素（宽×高），请上传更清晰的照片"
        );
        // Every problem at once: too small and the wrong proportion.
        let both = check_photo(&png(200, 250), &rules).unwrap_err();
        assert!(
            matches!(
                both[..],
                [PhotoRefusal::Proportion { .. }, PhotoRefusal::TooFewPixels { .. }]
            ),
            "{both:?}"
        );
        let capped = PhotoRules {
            max_width: 400,
            max_height: 560,
            ..rules
        };
        let big = check_photo(&png(413, 579), &capped).unwrap_err();
        assert_eq!(
            big[0].message_zh(),
            "照片为 413×579 像素，过大：最多 400×560 像素（宽×高），请缩小后上传"
        );
    }

    #[test]
    fn ratios_are_written_from_integers() {
        assert_eq!(thousandths(35_000, 49), "0.714");
        assert_eq!(thousandths(480_000, 600), "0.800");
        assert_eq!(thousandths(2_000, 3), "0.667");
    }
}
