package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Envelope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server checkpoints in the shared envelope, and the format before it (2) still read. */
class CheckpointFormatTest {

  /** Writes picks and rewards of steps 0-2, then a checkpoint; returns the picks. */
  private static List<List<String>> checkpointed(QuestionPool pool, Path dir) throws Exception {
    List<List<String>> picked = DurabilityTest.writeState(pool, dir);
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir))) {
      s.checkpoint();
    }
    return picked;
  }

  @Test
  void aCheckpointIsWrittenInTheSharedEnvelope(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(200);
    checkpointed(pool, dir);
    Path cp = DurabilityTest.files(dir, ".bin").get(0);
    Envelope.Contents c = Envelope.read(new ByteArrayInputStream(Files.readAllBytes(cp)),
        "server checkpoint", CheckpointCodec.KIND, CheckpointCodec.VERSION, CheckpointCodec.VERSION);
    assertEquals(CheckpointCodec.VERSION, c.version());
    CheckpointCodec.Snapshot s = CheckpointCodec.decode(Files.readAllBytes(cp));
    assertEquals(3, s.counters().completedGroups());
    assertEquals(3, s.steps().size());
  }

  @Test
  void aCheckpointOfFormatTwoRestoresTheSameState(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(200);
    List<List<String>> picked = checkpointed(pool, dir);
    Path cp = DurabilityTest.files(dir, ".bin").get(0);
    byte[] envelope = Files.readAllBytes(cp);
    byte[] payload = Envelope.read(new ByteArrayInputStream(envelope), "server checkpoint",
        CheckpointCodec.KIND, CheckpointCodec.VERSION, CheckpointCodec.VERSION).payload();
    // format 2 as the server wrote it until this change: "GLSV", version 2, the same fields,
    // then a CRC-32 over everything before it
    byte[] legacy = format2(payload);
    assertArrayEquals(CheckpointCodec.encode(CheckpointCodec.decode(envelope)),
        CheckpointCodec.encode(CheckpointCodec.decode(legacy)), "format 2 decodes to the same state");
    Files.write(cp, legacy);
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir))) {
      assertEquals(3, DurabilityTest.metric(s, "goldilocks_groups_completed_total"));
      for (int step = 0; step < 3; step++) {
        assertEquals(picked.get(step), TeacherServerTest.ids(DurabilityTest.picks(s, step, 4).json()),
            "step " + step);
      }
    }
  }

  @Test
  void aDamagedCheckpointOfEitherFormatIsRefusedNamingTheProblem(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(200);
    checkpointed(pool, dir);
    byte[] envelope = Files.readAllBytes(DurabilityTest.files(dir, ".bin").get(0));
    byte[] payload = Envelope.read(new ByteArrayInputStream(envelope), "server checkpoint",
        CheckpointCodec.KIND, CheckpointCodec.VERSION, CheckpointCodec.VERSION).payload();
    for (byte[] good : List.of(envelope, format2(payload))) {
      byte[] bad = good.clone();
      bad[bad.length / 2] ^= 0x10;
      IOException e = assertThrows(IOException.class, () -> CheckpointCodec.decode(bad));
      assertTrue(e.getMessage().contains("server checkpoint"), e.getMessage());
      assertTrue(e.getMessage().contains("checksum") || e.getMessage().contains("CRC"), e.getMessage());
    }
    IOException v9 = assertThrows(IOException.class, () -> CheckpointCodec.decode(format2(payload, 9)));
    assertTrue(v9.getMessage().contains("format version 9"), v9.getMessage());
  }

  private static byte[] format2(byte[] payload) throws IOException {
    return format2(payload, 2);
  }

  private static byte[] format2(byte[] payload, int version) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x474c5356);
    out.writeInt(version);
    out.write(payload);
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    out.flush();
    return bytes.toByteArray();
  }
}
