package ai.goldilocks.core.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.zip.CRC32;
import org.apiguardian.api.API;

/**
 * The binary envelope of this library's saved states: magic, format version, kind, payload length,
 * payload and a CRC-32 of the payload, so that a truncated, corrupted or foreign file is refused
 * before any of it is applied. Layout (big-endian, {@link DataOutputStream}): {@code int} magic
 * {@code "GLDK"}, {@code int} version, modified-UTF-8 kind, {@code int} length, the payload bytes,
 * {@code long} CRC-32 of the payload. Readers accept a range of versions, so that a format change
 * can keep reading the previous one.
 *
 * <p>Internal: exported to this library's own modules only; not an API.
 */
@API(status = API.Status.INTERNAL, since = "0.1.0")
public final class Envelope {
  /** {@code "GLDK"}. */
  public static final int MAGIC = 0x474C444B;

  private Envelope() {}

  /** Writes a payload into a {@link DataOutputStream}. */
  @FunctionalInterface
  public interface PayloadWriter {
    /** Writes the payload. */
    void write(DataOutputStream out) throws IOException;
  }

  /**
   * What {@link #read} found: the format version and the verified payload.
   *
   * @param kind the kind named in the envelope
   * @param version the format version, within the range the reader accepts
   * @param payload the payload, checksum verified
   */
  public record Contents(String kind, int version, byte[] payload) {
    /** The payload as a data stream. */
    public DataInputStream data() {
      return new DataInputStream(new ByteArrayInputStream(payload));
    }
  }

  /** Writes an envelope whose payload {@code writer} produces. */
  public static void write(OutputStream out, String kind, int version, PayloadWriter writer) throws IOException {
    Objects.requireNonNull(writer, "writer");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    writer.write(data);
    data.flush();
    write(out, kind, version, bytes.toByteArray());
  }

  /** Writes an envelope around {@code payload}. */
  public static void write(OutputStream out, String kind, int version, byte[] payload) throws IOException {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(payload, "payload");
    CRC32 crc = new CRC32();
    crc.update(payload);
    DataOutputStream o = new DataOutputStream(out);
    o.writeInt(MAGIC);
    o.writeInt(version);
    o.writeUTF(kind);
    o.writeInt(payload.length);
    o.write(payload);
    o.writeLong(crc.getValue());
    o.flush();
  }

  /**
   * Reads and verifies an envelope of {@code expectedKind} whose version lies in
   * {@code [oldest, newest]}. Every refusal is an {@link IOException} whose message starts with
   * {@code what} (for example "sampler state") and names the problem.
   */
  public static Contents read(InputStream in, String what, String expectedKind, int oldest, int newest) throws IOException {
    Objects.requireNonNull(in, "in");
    DataInputStream i = new DataInputStream(in);
    try {
      int magic = i.readInt();
      if (magic != MAGIC) {
        throw new IOException(String.format("not a Goldilocks %s (magic 0x%08X, expected 0x%08X)", what, magic, MAGIC));
      }
      int version = i.readInt();
      if (version < oldest || version > newest) {
        throw new IOException("unsupported " + what + " format version " + version + " (this library reads "
            + (oldest == newest ? String.valueOf(newest) : oldest + " to " + newest) + ")");
      }
      String kind = i.readUTF();
      if (!kind.equals(expectedKind)) {
        throw new IOException(what + " is for '" + kind + "', cannot restore it into '" + expectedKind + "'");
      }
      int len = i.readInt();
      if (len < 0) {
        throw new IOException("corrupt " + what + ": negative payload length " + len);
      }
      byte[] body = i.readNBytes(len);
      if (body.length != len) {
        throw new IOException("truncated " + what + ": payload has " + body.length + " of " + len + " bytes");
      }
      long stored = i.readLong();
      CRC32 crc = new CRC32();
      crc.update(body);
      if (crc.getValue() != stored) {
        throw new IOException(String.format("corrupt %s: CRC32 0x%08X does not match stored 0x%08X", what, crc.getValue(), stored));
      }
      return new Contents(kind, version, body);
    } catch (EOFException e) {
      throw new IOException("truncated " + what, e);
    }
  }

  /** Throws unless {@code payload} is fully consumed. */
  public static void requireEnd(DataInputStream payload, String what) throws IOException {
    if (payload.read() != -1) {
      throw new IOException("corrupt " + what + ": trailing bytes after the payload");
    }
  }

  /** Writes a length-prefixed block. */
  public static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  /** Reads a block written by {@link #writeBytes}, refusing a length beyond what is left. */
  public static byte[] readBytes(DataInputStream in, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("corrupt " + what + ": block length " + n + " exceeds the remaining " + in.available() + " bytes");
    }
    return in.readNBytes(n);
  }
}
