// SightlinePNG: writes RGB images as PNG files through libpng's simplified API
// (png_image_write_to_file), which reports errors in the image struct instead of longjmp, so
// it is safe to call from Swift. An I/O edge: pixels in, a file out.

import CLibPNG

public struct PNGError: Error, CustomStringConvertible, Equatable {
  public let path: String
  public let message: String
  public var description: String { "cannot write PNG \(path): \(message)" }
}

public enum PNGFile {
  /// Writes `pixels` (row-major from the top row, 3 bytes per pixel: red, green, blue).
  public static func writeRGB(
    _ pixels: [UInt8], width: Int, height: Int, to path: String
  ) throws(PNGError) {
    guard width > 0, height > 0, pixels.count == width * height * 3 else {
      throw PNGError(path: path, message: "\(pixels.count) bytes for \(width)×\(height) RGB")
    }
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = UInt32(PNG_FORMAT_RGB)
    let written = pixels.withUnsafeBytes { bytes in
      png_image_write_to_file(&image, path, 0, bytes.baseAddress, Int32(width * 3), nil)
    }
    guard written != 0 else {
      let message = withUnsafeBytes(of: image.message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      png_image_free(&image)
      throw PNGError(path: path, message: message.isEmpty ? "libpng failed" : message)
    }
  }
}
