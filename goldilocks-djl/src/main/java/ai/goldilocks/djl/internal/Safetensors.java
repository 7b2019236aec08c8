package ai.goldilocks.djl.internal;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * Reads and writes the safetensors format in Java. Reading converts F16 and BF16 to F32 in Java
 * (a BF16 array aborts DJL's CPU engine); writing is F32, atomic (temporary file, then move).
 *
 * <p>Not part of the API: {@code ai.goldilocks.djl.internal} is not exported by the module (its
 * classes are public only so that the module's own package and this project's examples, which run
 * on the class path, reach them) and may change without notice.
 */
@API(status = API.Status.INTERNAL, since = "0.1.0")
public final class Safetensors {
  private static final long MAX_HEADER = 100L << 20;

  private Safetensors() {}

  /** A tensor: shape and row-major float values. */
  public record Tensor(long[] shape, float[] values) {
    /** Checks that the values fill the shape. */
    public Tensor {
      long n = 1;
      for (long s : shape) {
        n *= s;
      }
      if (n != values.length) {
        throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
      }
    }
  }

  /** Writes tensors (in the map's order) to {@code file} atomically, as F32. */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    write(file, tensors, metadata, false);
  }

  /**
   * Writes tensors to {@code file} atomically, as BF16 (rounded to nearest even) when {@code bf16},
   * else F32. BF16 halves the file, as Hugging Face checkpoints usually are.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, boolean bf16) throws IOException {
    int width = bf16 ? 2 : 4;
    JsonObject header = new JsonObject();
    if (metadata != null && !metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      metadata.forEach(meta::addProperty);
      header.add("__metadata__", meta);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", bf16 ? "BF16" : "F32");
      com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
      for (long s : e.getValue().shape()) {
        shape.add(s);
      }
      t.add("shape", shape);
      com.google.gson.JsonArray off = new com.google.gson.JsonArray();
      off.add(offset);
      offset += (long) width * e.getValue().values().length;
      off.add(offset);
      t.add("data_offsets", off);
      header.add(e.getKey(), t);
    }
    byte[] h = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int pad = (8 - h.length % 8) % 8;
    byte[] hp = java.util.Arrays.copyOf(h, h.length + pad);
    java.util.Arrays.fill(hp, h.length, hp.length, (byte) ' ');
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hp.length);
      out.write(len.array());
      out.write(hp);
      for (Tensor t : tensors.values()) {
        ByteBuffer b = ByteBuffer.allocate(width * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
        if (bf16) {
          for (float f : t.values()) {
            int bits = Float.floatToIntBits(f);
            b.putShort((short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
          }
        } else {
          b.asFloatBuffer().put(t.values());
        }
        out.write(b.array());
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** One tensor's header entry: dtype, shape, and its byte range in the data section. */
  public record Entry(String name, String dtype, long[] shape, long count, long begin, long end) {
    int width() {
      return dtype.equals("F32") ? 4 : 2;
    }
  }

  /** Receives tensors from {@link #stream}: F32 values in chunks, in row-major order. */
  public interface TensorSink {
    /** A tensor starts; return false to skip it. */
    boolean begin(Entry entry) throws IOException;

    /**
     * The next {@code values.remaining() / 4} F32 values of the current tensor, in a reused direct
     * buffer of native byte order.
     */
    void values(Entry entry, long offset, ByteBuffer values) throws IOException;

    /**
     * Where the current tensor's F32 values may be written directly instead of passed to
     * {@link #values}: a buffer of {@code entry.count()} floats (e.g. the engine's own memory), or
     * null (the default) to receive them chunk by chunk.
     */
    default java.nio.FloatBuffer destination(Entry entry) throws IOException {
      return null;
    }

    /** The current tensor's values have all been delivered (by {@link #values} or into its destination). */
    default void end(Entry entry) throws IOException {}
  }

  /**
   * Reads every tensor of {@code file} as F32.
   *
   * @throws IOException naming the file and the problem: truncated, bad header, unsupported dtype,
   *     offsets outside the data
   */
  public static Map<String, Tensor> read(Path file) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    float[][] current = new float[1][];
    stream(file, new TensorSink() {
      @Override
      public boolean begin(Entry e) throws IOException {
        if (e.count() > Integer.MAX_VALUE) {
          throw new IOException(file + ": tensor '" + e.name() + "' is too large for one array");
        }
        current[0] = new float[(int) e.count()];
        out.put(e.name(), new Tensor(e.shape(), current[0]));
        return true;
      }

      @Override
      public void values(Entry e, long offset, ByteBuffer values) {
        java.nio.FloatBuffer f = values.asFloatBuffer();
        f.get(current[0], (int) offset, f.remaining());
      }
    }, 1 << 20);
    return out;
  }

  /**
   * Streams the tensors of {@code file} to {@code sink}, converted to F32 in chunks of at most
   * {@code chunkValues} values: memory stays bounded by the chunk, whatever the tensor sizes. The
   * header is checked in full before any tensor is read.
   *
   * @throws IOException naming the file and the problem: truncated, bad header, unsupported dtype,
   *     offsets outside the data
   */
  public static void stream(Path file, TensorSink sink, int chunkValues) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new IOException(file + ": not a safetensors file (" + size + " bytes)");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0, file);
      long headerLen = lenBuf.flip().getLong();
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
        throw new IOException(file + ": corrupt safetensors header length " + headerLen + " (file has " + size + " bytes)");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8, file);
      JsonObject header;
      try {
        header = new Gson().fromJson(new String(hb.array(), StandardCharsets.UTF_8), JsonObject.class);
      } catch (JsonParseException e) {
        throw new IOException(file + ": corrupt safetensors header: " + e.getMessage(), e);
      }
      if (header == null) {
        throw new IOException(file + ": empty safetensors header");
      }
      long dataStart = 8 + headerLen;
      long dataLen = size - dataStart;
      java.util.List<Entry> entries = new java.util.ArrayList<>();
      for (Map.Entry<String, JsonElement> e : header.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        JsonObject t = e.getValue().getAsJsonObject();
        String dtype = t.get("dtype").getAsString();
        var shapeArr = t.getAsJsonArray("shape");
        long[] shape = new long[shapeArr.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
          shape[i] = shapeArr.get(i).getAsLong();
          n *= shape[i];
        }
        var offs = t.getAsJsonArray("data_offsets");
        long begin = offs.get(0).getAsLong();
        long end = offs.get(1).getAsLong();
        int width = switch (dtype) {
          case "F32" -> 4;
          case "F16", "BF16" -> 2;
          default -> throw new IOException(file + ": tensor '" + e.getKey() + "' has unsupported dtype " + dtype);
        };
        if (begin < 0 || end > dataLen || end - begin != n * width) {
          throw new IOException(file + ": tensor '" + e.getKey() + "' has offsets [" + begin + ", " + end + ") that do not fit "
              + dtype + " " + java.util.Arrays.toString(shape) + " in " + dataLen + " data bytes (truncated file?)");
        }
        entries.add(new Entry(e.getKey(), dtype, shape, n, begin, end));
      }
      // direct: a heap buffer would make the channel copy every chunk through a temporary direct one
      ByteBuffer raw = ByteBuffer.allocateDirect(chunkValues * 4).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer f32 = null; // made on the first tensor delivered chunk by chunk
      short[] halves = new short[chunkValues];
      float[] floats = new float[chunkValues];
      for (Entry e : entries) {
        if (!sink.begin(e)) {
          continue;
        }
        int width = e.width();
        java.nio.FloatBuffer dest = sink.destination(e);
        if (dest != null && dest.capacity() != e.count()) {
          throw new IllegalArgumentException("destination of " + dest.capacity() + " floats for tensor '" + e.name() + "' of " + e.count());
        }
        if (dest == null && f32 == null) {
          f32 = ByteBuffer.allocateDirect(chunkValues * 4).order(ByteOrder.nativeOrder());
        }
        for (long done = 0; done < e.count(); ) {
          int k = (int) Math.min(chunkValues, e.count() - done);
          raw.clear().limit(k * width);
          readFully(ch, raw, dataStart + e.begin() + done * width, file);
          raw.flip();
          if (e.dtype().equals("F32")) {
            if (dest != null) {
              dest.put((int) done, raw.asFloatBuffer(), 0, k);
            } else {
              f32.clear();
              f32.asFloatBuffer().put(raw.asFloatBuffer());
            }
          } else {
            // bulk copies and a plain array loop, which the JIT vectorises; large chunks are
            // converted on the common fork-join pool's threads, each its own range
            raw.asShortBuffer().get(halves, 0, k);
            boolean bf16 = e.dtype().equals("BF16");
            int pieces = k >= PARALLEL_CONVERSION ? Math.max(1, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1) : 1;
            long at = done;
            java.util.stream.IntStream range = java.util.stream.IntStream.range(0, pieces);
            (pieces > 1 ? range.parallel() : range).forEach(piece -> {
              int from = (int) ((long) k * piece / pieces);
              int to = (int) ((long) k * (piece + 1) / pieces);
              convert(halves, floats, from, to, bf16);
              if (dest != null) {
                dest.duplicate().put((int) at + from, floats, from, to - from);
              }
            });
            if (dest == null) {
              f32.clear();
              f32.asFloatBuffer().put(floats, 0, k);
            }
          }
          if (dest == null) {
            f32.position(0).limit(k * 4);
            sink.values(e, done, f32);
          }
          done += k;
        }
        sink.end(e);
      }
    } catch (IllegalStateException | UnsupportedOperationException | NullPointerException e) {
      throw new IOException(file + ": malformed safetensors header: " + e, e);
    }
  }

  /** Chunks of at least this many 16-bit values are converted on several threads. */
  private static final int PARALLEL_CONVERSION = 1 << 16;

  /** BF16 or F16 bits in {@code halves[from, to)} to F32 in {@code floats[from, to)}. */
  private static void convert(short[] halves, float[] floats, int from, int to, boolean bf16) {
    if (bf16) {
      for (int i = from; i < to; i++) {
        floats[i] = Float.intBitsToFloat((halves[i] & 0xFFFF) << 16);
      }
    } else {
      for (int i = from; i < to; i++) {
        floats[i] = halfToFloat(halves[i]);
      }
    }
  }

  /** The {@code __metadata__} entries of a safetensors file (empty if none). */
  public static Map<String, String> readMetadata(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0, file);
      long headerLen = lenBuf.flip().getLong();
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > ch.size()) {
        throw new IOException(file + ": corrupt safetensors header length " + headerLen);
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8, file);
      JsonObject header = new Gson().fromJson(new String(hb.array(), StandardCharsets.UTF_8), JsonObject.class);
      Map<String, String> out = new LinkedHashMap<>();
      if (header != null && header.has("__metadata__")) {
        header.getAsJsonObject("__metadata__").entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsString()));
      }
      return out;
    } catch (JsonParseException | IllegalStateException e) {
      throw new IOException(file + ": corrupt safetensors header: " + e.getMessage(), e);
    }
  }

  /** IEEE 754 binary16 to binary32 (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant * 0x1.0p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        throw new IOException(file + ": truncated safetensors file");
      }
      pos += r;
    }
  }
}
