package ai.goldilocks.core.sampler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.CRC32;

/**
 * Envelope for sampler and predictor state: magic, format version, kind, length-prefixed payload
 * and a CRC32 over it, so a truncated or corrupted file is detected before anything is applied.
 */
final class StateCodec {
  static final int MAGIC = 0x474C444B; // "GLDK"
  /** 2: sampler states carry the pool's id fingerprint and the reward range. */
  static final int FORMAT_VERSION = 4;

  private StateCodec() {}

  interface PayloadWriter {
    void write(DataOutputStream out) throws IOException;
  }

  static void write(OutputStream out, String kind, PayloadWriter payload) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    payload.write(data);
    data.flush();
    byte[] body = bytes.toByteArray();
    CRC32 crc = new CRC32();
    crc.update(body);
    DataOutputStream o = new DataOutputStream(out);
    o.writeInt(MAGIC);
    o.writeInt(FORMAT_VERSION);
    o.writeUTF(kind);
    o.writeInt(body.length);
    o.write(body);
    o.writeLong(crc.getValue());
    o.flush();
  }

  /** Reads and verifies the envelope; returns a stream over the payload. */
  static DataInputStream read(InputStream in, String expectedKind) throws IOException {
    DataInputStream i = new DataInputStream(in);
    try {
      int magic = i.readInt();
      if (magic != MAGIC) {
        throw new IOException(String.format("not a Goldilocks sampler state (magic 0x%08X, expected 0x%08X)", magic, MAGIC));
      }
      int version = i.readInt();
      if (version != FORMAT_VERSION) {
        throw new IOException("unsupported sampler state format version " + version + " (this library reads " + FORMAT_VERSION + ")");
      }
      String kind = i.readUTF();
      if (!kind.equals(expectedKind)) {
        throw new IOException("sampler state is for '" + kind + "', cannot restore it into '" + expectedKind + "'");
      }
      int len = i.readInt();
      if (len < 0) {
        throw new IOException("corrupt sampler state: negative payload length " + len);
      }
      byte[] body = i.readNBytes(len);
      if (body.length != len) {
        throw new IOException("truncated sampler state: payload has " + body.length + " of " + len + " bytes");
      }
      long stored = i.readLong();
      CRC32 crc = new CRC32();
      crc.update(body);
      if (crc.getValue() != stored) {
        throw new IOException(String.format("corrupt sampler state: CRC32 0x%08X does not match stored 0x%08X", crc.getValue(), stored));
      }
      return new DataInputStream(new ByteArrayInputStream(body));
    } catch (EOFException e) {
      throw new IOException("truncated sampler state", e);
    }
  }

  static void requireEnd(DataInputStream payload) throws IOException {
    if (payload.read() != -1) {
      throw new IOException("corrupt sampler state: trailing bytes after the payload");
    }
  }

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("corrupt sampler state: block length " + n + " exceeds the remaining " + in.available() + " bytes");
    }
    return in.readNBytes(n);
  }
}
