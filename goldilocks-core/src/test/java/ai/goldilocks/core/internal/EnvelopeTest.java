package ai.goldilocks.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
  private static byte[] envelope(String kind, int version, byte[] payload) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Envelope.write(out, kind, version, payload);
    return out.toByteArray();
  }

  private static IOException refused(byte[] bytes, String kind, int oldest, int newest) {
    return assertThrows(IOException.class, () -> Envelope.read(new ByteArrayInputStream(bytes), "trainer checkpoint", kind, oldest, newest));
  }

  @Test
  void roundTripsAnyVersionInTheReadRange() throws IOException {
    byte[] payload = {1, 2, 3, 4, 5};
    for (int v = 2; v <= 3; v++) {
      Envelope.Contents c = Envelope.read(new ByteArrayInputStream(envelope("trainer", v, payload)), "trainer checkpoint",
          "trainer", 2, 3);
      assertEquals(v, c.version());
      assertEquals("trainer", c.kind());
      assertArrayEquals(payload, c.payload());
      assertEquals(1, c.data().readByte());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Envelope.write(out, "trainer", 3, data -> data.writeLong(42));
    assertEquals(42, Envelope.read(new ByteArrayInputStream(out.toByteArray()), "x", "trainer", 3, 3).data().readLong());
  }

  @Test
  void refusalsNameTheThingAndTheProblem() throws IOException {
    byte[] ok = envelope("trainer", 3, new byte[] {9, 9, 9, 9});
    assertTrue(refused(ok, "server", 3, 3).getMessage().contains("trainer checkpoint is for 'trainer', cannot restore it into 'server'"));
    assertTrue(refused(ok, "trainer", 4, 5).getMessage().contains("unsupported trainer checkpoint format version 3 (this library reads 4 to 5)"));
    byte[] flipped = ok.clone();
    flipped[flipped.length - 10] ^= 1;
    assertTrue(refused(flipped, "trainer", 3, 3).getMessage().startsWith("corrupt trainer checkpoint: CRC32"));
    assertTrue(refused(Arrays.copyOf(ok, ok.length - 3), "trainer", 3, 3).getMessage().startsWith("truncated trainer checkpoint"));
    byte[] foreign = ok.clone();
    foreign[0] = 'X';
    assertTrue(refused(foreign, "trainer", 3, 3).getMessage().startsWith("not a Goldilocks trainer checkpoint"));
  }
}
