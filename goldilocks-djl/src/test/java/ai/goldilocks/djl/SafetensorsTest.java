package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.djl.internal.Safetensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

  /** Writes a safetensors file by hand: header JSON and little-endian raw data. */
  private static void writeRaw(Path file, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Files.write(file, b.array());
  }

  @Test
  void readsBf16AndF16AsF32(@TempDir Path dir) throws IOException {
    // BF16 is the top half of an F32: 1.0 = 0x3F80, -2.5 = 0xC020, 0.15625 = 0x3E20
    // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 0.15625 = 0x3100, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001
    ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort((short) 0x3F80).putShort((short) 0xC020).putShort((short) 0x3E20);
    data.putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x3100).putShort((short) 0x7BFF).putShort((short) 0x0001);
    writeRaw(dir.resolve("m.safetensors"), "{\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},"
        + "\"b\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[6,16]}}", data.array());
    Map<String, Safetensors.Tensor> t = Safetensors.read(dir.resolve("m.safetensors"));
    assertArrayEquals(new float[] {1f, -2.5f, 0.15625f}, t.get("a").values(), 0f);
    assertArrayEquals(new float[] {1f, -2.5f, 0.15625f, 65504f, (float) Math.pow(2, -24)}, t.get("b").values(), 0f);
  }

  @Test
  void bf16CheckpointLoadsEqualTheF32OnesWithinBf16Precision(@TempDir Path dir) throws IOException {
    CharTokenizer tok = CharTokenizer.arithmetic();
    TransformerConfig cfg = new TransformerConfig(tok.vocabSize(), 32, 1, 4, 64, 16);
    try (TransformerPolicy a = TransformerPolicy.builder(cfg, tok).seed(1).build();
        TransformerPolicy b = TransformerPolicy.builder(cfg, tok).seed(2).build()) {
      Path f32 = dir.resolve("f32");
      a.save(f32);
      // rewrite every tensor as BF16 (round to nearest even), as Hugging Face checkpoints often are
      Map<String, Safetensors.Tensor> tensors = Safetensors.read(f32.resolve("model.safetensors"));
      StringBuilder header = new StringBuilder("{");
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      long offset = 0;
      Map<String, float[]> rounded = new LinkedHashMap<>();
      for (Map.Entry<String, Safetensors.Tensor> e : tensors.entrySet()) {
        float[] v = e.getValue().values();
        float[] r = new float[v.length];
        ByteBuffer bb = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) {
          int bits = Float.floatToIntBits(v[i]);
          int top = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
          bb.putShort((short) top);
          r[i] = Float.intBitsToFloat(top << 16);
        }
        rounded.put(e.getKey(), r);
        bytes.write(bb.array());
        if (header.length() > 1) {
          header.append(',');
        }
        header.append('"').append(e.getKey()).append("\":{\"dtype\":\"BF16\",\"shape\":")
            .append(java.util.Arrays.toString(e.getValue().shape()).replace(" ", "")).append(",\"data_offsets\":[")
            .append(offset).append(',').append(offset + 2L * v.length).append("]}");
        offset += 2L * v.length;
      }
      Path bf16 = dir.resolve("bf16");
      Files.createDirectories(bf16);
      Files.copy(f32.resolve("config.json"), bf16.resolve("config.json"));
      writeRaw(bf16.resolve("model.safetensors"), header.append('}').toString(), bytes.toByteArray());
      b.load(bf16);
      int[] x = tok.encode("12+34=");
      float[] la = a.logits(x);
      float[] lb = b.logits(x);
      double maxDiff = 0;
      for (int i = 0; i < la.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(la[i] - lb[i]));
      }
      // BF16 keeps 8 bits of mantissa: relative error per weight below 2^-8
      assertTrue(maxDiff < 0.05, "max logit difference " + maxDiff);
      assertTrue(maxDiff > 0, "BF16 rounding must change something");
      Map<String, Safetensors.Tensor> back = Safetensors.read(bf16.resolve("model.safetensors"));
      for (String k : rounded.keySet()) {
        assertArrayEquals(rounded.get(k), back.get(k).values(), 0f, k);
      }
    }
  }

  /** Rewrites every tensor of {@code src} as BF16 (round to nearest even) into {@code dst}. */
  static void writeBf16Copy(Path src, Path dst) throws IOException {
    Map<String, Safetensors.Tensor> tensors = Safetensors.read(src);
    StringBuilder header = new StringBuilder("{");
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    long offset = 0;
    for (Map.Entry<String, Safetensors.Tensor> e : tensors.entrySet()) {
      float[] v = e.getValue().values();
      ByteBuffer bb = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : v) {
        int bits = Float.floatToIntBits(f);
        bb.putShort((short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
      }
      bytes.write(bb.array());
      if (header.length() > 1) {
        header.append(',');
      }
      header.append('"').append(e.getKey()).append("\":{\"dtype\":\"BF16\",\"shape\":")
          .append(java.util.Arrays.toString(e.getValue().shape()).replace(" ", "")).append(",\"data_offsets\":[")
          .append(offset).append(',').append(offset + 2L * v.length).append("]}");
      offset += 2L * v.length;
    }
    writeRaw(dst, header.append('}').toString(), bytes.toByteArray());
  }

  @Test
  void corruptHeadersAreNamed(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("bad.safetensors");
    writeRaw(f, "{not json", new byte[0]);
    IOException e = assertThrows(IOException.class, () -> Safetensors.read(f));
    assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
    writeRaw(f, "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
    IOException d = assertThrows(IOException.class, () -> Safetensors.read(f));
    assertTrue(d.getMessage().contains("F64"), d.getMessage());
    writeRaw(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
    IOException t = assertThrows(IOException.class, () -> Safetensors.read(f));
    assertTrue(t.getMessage().contains("truncated"), t.getMessage());
  }
}
