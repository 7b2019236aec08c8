package ai.goldilocks.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The writes and fsyncs of the journal and checkpoints, behind one seam so that tests can make
 * them fail as a full disk does (part of a write lands, then an error).
 */
interface Disk {
  /** The real disk. */
  Disk REAL = new Disk() {};

  /** Writes all of {@code b} at the channel's position. */
  default void write(FileChannel c, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      c.write(b);
    }
  }

  /** Forces the channel's content (and metadata when asked) to the device. */
  default void force(FileChannel c, boolean metadata) throws IOException {
    c.force(metadata);
  }
}
