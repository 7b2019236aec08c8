package ai.goldilocks.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * The training run a server's state belongs to. The first request that names a run (header
 * {@code Goldilocks-Run}) binds it, or {@code --run-id} at start; with a state directory the
 * binding is written to {@code run.json} atomically and fsynced before the request that made it is
 * answered, so a restarted server still knows it. A request naming another run is refused.
 */
final class RunBinding {
  static final String HEADER = "Goldilocks-Run";
  static final String FILE = "run.json";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final Path stateDir;
  private volatile String bound;

  private RunBinding(Path stateDir, String bound) {
    this.stateDir = stateDir;
    this.bound = bound;
  }

  /**
   * Reads the run stored in {@code stateDir} (if any) and binds {@code configured} (if not null).
   *
   * @throws IOException if the stored run differs from {@code configured}, or the file is unreadable
   */
  static RunBinding open(Path stateDir, String configured) throws IOException {
    if (configured != null && !isValid(configured)) {
      throw new IllegalArgumentException("--run-id must be 1-128 characters of [A-Za-z0-9._:-], got '" + configured + "'");
    }
    String stored = stateDir == null ? null : read(stateDir.resolve(FILE));
    if (stored != null && configured != null && !stored.equals(configured)) {
      throw new IOException("the state directory " + stateDir + " belongs to run '" + stored + "', not to --run-id '"
          + configured + "'. Start with a fresh --state-dir for a new run, or with --run-id " + stored
          + " to resume that run.");
    }
    RunBinding b = new RunBinding(stateDir, stored);
    if (stored == null && configured != null) {
      b.write(configured);
      b.bound = configured;
    }
    return b;
  }

  /** The bound run id, or null while none is. */
  String bound() {
    return bound;
  }

  /**
   * Checks a request's run id (null: the request names none and is accepted), binding it when
   * none is bound yet.
   *
   * @throws ApiException 400 if malformed, 409 if another run is bound, 503 if binding cannot be stored
   */
  void check(String header) {
    if (header == null) {
      return;
    }
    String run = header.trim();
    validate(run, HEADER + " header");
    String b = bound;
    if (b == null) {
      synchronized (this) {
        b = bound;
        if (b == null) {
          try {
            write(run);
          } catch (IOException e) {
            throw new ApiException(503, "unavailable", "could not store the run id in " + stateDir + ": " + e.getMessage());
          }
          bound = run;
          return;
        }
      }
    }
    if (!b.equals(run)) {
      String where = stateDir == null ? "this server (no --state-dir)" : "this server's state directory " + stateDir;
      throw new ApiException(409, "run_mismatch", where + " belongs to run '" + b + "'; this trainer is run '" + run
          + "'. Start a new server with a fresh --state-dir for a new run, or resume run '" + b + "' from its checkpoint.");
    }
  }

  static boolean isValid(String run) {
    return ID.matcher(run).matches();
  }

  /** Throws a 400 {@code invalid_request} unless {@code run} is a well-formed run id. */
  static void validate(String run, String what) {
    if (!isValid(run)) {
      String shown = run.length() > 40 ? run.substring(0, 40) + "... (" + run.length() + " chars)" : run;
      throw new ApiException(400, "invalid_request", what + " must be 1-128 characters of [A-Za-z0-9._:-], got '"
          + shown + "'");
    }
  }

  private void write(String run) throws IOException {
    if (stateDir == null) {
      return;
    }
    Files.createDirectories(stateDir);
    JsonObject o = new JsonObject();
    o.addProperty("run", run);
    byte[] bytes = (o + "\n").getBytes(StandardCharsets.UTF_8);
    Path file = stateDir.resolve(FILE);
    Path tmp = stateDir.resolve(FILE + ".tmp");
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        c.write(buf);
      }
      c.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    Journal.fsyncDirectory(stateDir);
  }

  private static String read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try {
      JsonElement run = JsonParser.parseString(text).getAsJsonObject().get("run");
      String id = run.getAsString();
      validate(id, file.toString());
      return id;
    } catch (RuntimeException e) {
      throw new IOException(file + " is unreadable (" + e.getMessage() + "); it should hold {\"run\": \"<run id>\"}. "
          + "Restore it or move the state directory away to start afresh.");
    }
  }
}
