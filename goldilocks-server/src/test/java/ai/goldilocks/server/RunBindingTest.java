package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code Goldilocks-Run} header and {@code --run-id}: one server state serves one training run. */
class RunBindingTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static TeacherServerTest.Reply send(String url, String path, String body, String run) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
    b = body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    if (run != null) {
      b.header(RunBinding.HEADER, run);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new TeacherServerTest.Reply(r.statusCode(), r.body(), r.headers());
  }

  private static TeacherServer start(QuestionPool pool, Path state, String runId) throws Exception {
    TeacherServer s = TeacherServer.builder().pool(pool).stateDir(state).groupSize(4).seed(3).checkpointEvery(0)
        .runId(runId).start();
    s.awaitReady(60, TimeUnit.SECONDS);
    return s;
  }

  private static JsonObject ready(String url) throws Exception {
    TeacherServerTest.Reply r = send(url, "/ready", null, null);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private static String state(String url) throws Exception {
    // everything a refused request could have changed: journal, counters, newest step
    StringBuilder b = new StringBuilder();
    for (String line : send(url, "/metrics", null, null).body().split("\n")) {
      if (line.startsWith("goldilocks_") && !line.startsWith("goldilocks_teacher_update_seconds")) {
        b.append(line).append('\n');
      }
    }
    return b.toString();
  }

  @Test
  void theFirstRunIdBindsAndAnotherIsRefusedWithoutChangingAnything(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(200);
    try (TeacherServer s = start(pool, dir, null)) {
      String url = s.url();
      assertTrue(ready(url).get("run").isJsonNull(), "no run bound yet");
      assertEquals(200, send(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", null).status(), "no header: accepted, binds nothing");
      assertTrue(ready(url).get("run").isJsonNull());
      TeacherServerTest.Reply first = send(url, "/v1/picks", "{\"step\": 1, \"n\": 2}", "run-A.1");
      assertEquals(200, first.status(), first.body());
      assertEquals("run-A.1", ready(url).get("run").getAsString());
      assertTrue(Files.readString(dir.resolve(RunBinding.FILE)).contains("run-A.1"), "bound durably before the answer");

      String before = state(url);
      TeacherServerTest.Reply other = send(url, "/v1/picks", "{\"step\": 2, \"n\": 2}", "run-B");
      assertEquals(409, other.status(), other.body());
      JsonObject err = other.json().getAsJsonObject("error");
      assertEquals("run_mismatch", err.get("type").getAsString());
      String msg = err.get("message").getAsString();
      assertTrue(msg.contains("'run-A.1'") && msg.contains("'run-B'") && msg.contains(dir.toString())
          && msg.contains("fresh --state-dir"), msg);
      String id = TeacherServerTest.ids(first.json()).get(0);
      assertEquals(409, send(url, "/v1/rewards", TeacherServerTest.rewards(1, id, new double[] {1, 0, 1, 0}, null), "run-B").status());
      assertEquals(409, send(url, "/v1/checkpoint", "", "run-B").status());
      assertEquals(409, send(url, "/ready", null, "run-B").status());
      assertEquals(before, state(url), "a refused run changes nothing");
      assertTrue(Files.readString(dir.resolve(RunBinding.FILE)).contains("run-A.1"));
      assertEquals(200, send(url, "/health", null, "run-B").status(), "/health never checks the run");
      assertEquals(first.body(), send(url, "/v1/picks", "{\"step\": 1, \"n\": 2}", "run-A.1").body());
      assertEquals(200, send(url, "/v1/picks", "{\"step\": 2, \"n\": 2}", null).status());
    }
    // a restart (no checkpoint was written: only run.json and the journal) keeps the binding
    try (TeacherServer s = start(pool, dir, null)) {
      assertEquals("run-A.1", ready(s.url()).get("run").getAsString());
      assertEquals(409, send(s.url(), "/v1/picks", "{\"step\": 3, \"n\": 2}", "run-B").status());
      assertEquals(200, send(s.url(), "/v1/picks", "{\"step\": 3, \"n\": 2}", "run-A.1").status());
    }
  }

  @Test
  void withoutAStateDirTheBindingLivesInMemory() throws Exception {
    try (TeacherServer s = start(TeacherServerTest.pool(50), null, null)) {
      assertEquals(200, send(s.url(), "/v1/picks", "{\"step\": 0, \"n\": 2}", "a").status());
      TeacherServerTest.Reply other = send(s.url(), "/v1/picks", "{\"step\": 0, \"n\": 2}", "b");
      assertEquals(409, other.status());
      assertTrue(other.body().contains("no --state-dir"), other.body());
    }
  }

  @Test
  void runIdAtStartBindsAndAnotherStoredRunFailsTheStart(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    Path state = dir.resolve("state");
    try (TeacherServer s = start(pool, state, "exp:7")) {
      assertEquals("exp:7", ready(s.url()).get("run").getAsString());
      assertEquals(409, send(s.url(), "/v1/picks", "{\"step\": 0, \"n\": 2}", "exp:8").status());
    }
    IOException e = assertThrows(IOException.class, () -> start(pool, state, "exp:8"));
    assertTrue(e.getMessage().contains("'exp:7'") && e.getMessage().contains("'exp:8'")
        && e.getMessage().contains(state.toString()), e.getMessage());
    try (TeacherServer s = start(pool, state, "exp:7")) { // the same run resumes
      assertEquals("exp:7", ready(s.url()).get("run").getAsString());
    }
    // the command line refuses to start, with exit status 1
    Path poolFile = dir.resolve("pool.jsonl");
    Files.writeString(poolFile, "{\"id\": \"q0\", \"text\": \"1 + 1?\"}\n{\"id\": \"q1\", \"text\": \"2 + 2?\"}\n");
    int code = new CommandLine(new ServerMain()).execute("--pool", poolFile.toString(), "--state-dir", state.toString(),
        "--run-id", "exp:8", "--port", "0");
    assertEquals(1, code);
    assertTrue(Files.readString(state.resolve(RunBinding.FILE)).contains("exp:7"), "the stored run is untouched");
    assertThrows(IllegalArgumentException.class, () -> TeacherServer.builder().runId("no spaces"));
  }

  @Test
  void aMalformedRunIdIs400AndBindsNothing(@TempDir Path dir) throws Exception {
    try (TeacherServer s = start(TeacherServerTest.pool(50), dir, null)) {
      String url = s.url();
      for (String bad : new String[] {"a/b", "x".repeat(129), "run id", "a,b"}) {
        TeacherServerTest.Reply r = send(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", bad);
        assertEquals(400, r.status(), bad);
        JsonObject err = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertEquals("invalid_request", err.get("type").getAsString());
        assertTrue(err.get("message").getAsString().contains("[A-Za-z0-9._:-]"), err.toString());
      }
      assertTrue(ready(url).get("run").isJsonNull());
      assertTrue(Files.notExists(dir.resolve(RunBinding.FILE)));
      assertEquals(200, send(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", "x".repeat(128)).status(), "128 characters is the limit");
    }
  }
}
