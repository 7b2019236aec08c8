package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every number bounded where it enters, and the smaller points of issue 27 (points 5 and 6). */
class RequestLimitsTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static String error(TeacherServerTest.Reply r) {
    return r.json().getAsJsonObject("error").get("message").getAsString();
  }

  @Test
  void numbersAreBoundedWithMessagesNamingTheLimit(@TempDir Path dir) throws Exception {
    try (TeacherServer s = TeacherServerTest.start(TeacherServerTest.pool(100), dir, null)) {
      String url = s.url();
      // n beyond 32 bits once wrapped to 1 and pinned the step to n = 1
      TeacherServerTest.Reply wrap = TeacherServerTest.post(url, "/v1/picks", "{\"step\": 7, \"n\": 4294967297}", null);
      assertEquals(422, wrap.status(), wrap.body());
      assertTrue(error(wrap).contains("[1, 100]") && error(wrap).contains("4294967297"), wrap.body());
      assertEquals(4, TeacherServerTest.ids(TeacherServerTest.post(url, "/v1/picks", "{\"step\": 7, \"n\": 4}", null).json()).size(),
          "step 7 was not pinned by the refused request");
      TeacherServerTest.Reply huge = TeacherServerTest.post(url, "/v1/picks", "{\"step\": 0, \"n\": 1e15}", null);
      assertEquals(422, huge.status());
      assertTrue(error(huge).contains("1000000000000000"), huge.body());
      TeacherServerTest.Reply far = TeacherServerTest.post(url, "/v1/picks", "{\"step\": 999999999999999, \"n\": 2}", null);
      assertEquals(422, far.status());
      assertTrue(error(far).contains(Long.toString(TeacherService.MAX_STEP)), far.body());
      TeacherServerTest.Reply jump = TeacherServerTest.post(url, "/v1/picks", "{\"step\": 5000, \"n\": 2}", null);
      assertEquals(422, jump.status(), "more than --keep-steps ahead of the newest step");
      assertTrue(error(jump).contains("--keep-steps"), jump.body());
      TeacherServerTest.Reply beyond = TeacherServerTest.post(url, "/v1/picks", "{\"step\": 1e300, \"n\": 2}", null);
      assertEquals(422, beyond.status());
      assertTrue(error(beyond).contains("2^53"), beyond.body());
      assertEquals(200, TeacherServerTest.post(url, "/v1/picks", "{\"step\": 8, \"n\": 2}", null).status());
      assertEquals(2, TeacherServerTest.metric(url, "goldilocks_journal_sequence", null), "only steps 7 and 8 were journaled");
    }
    IllegalArgumentException body = assertThrows(IllegalArgumentException.class,
        () -> TeacherServer.builder().maxBodyBytes(Integer.MAX_VALUE));
    assertTrue(body.getMessage().contains(Integer.toString(TeacherServer.MAX_BODY_LIMIT)), body.getMessage());
  }

  @Test
  void httpDetails(@TempDir Path dir) throws Exception {
    String token = "s3cret";
    try (TeacherServer s = TeacherServerTest.start(TeacherServerTest.pool(100), dir, token)) {
      String url = s.url();
      // 405 names what is allowed
      TeacherServerTest.Reply wrongMethod = TeacherServerTest.get(url, "/v1/picks", token);
      assertEquals(405, wrongMethod.status());
      assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
      // HEAD /health, and any scheme case for Bearer (RFC 9110: scheme names are case-insensitive)
      HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/health"))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
      assertEquals(200, head.statusCode());
      HttpResponse<String> lower = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/ready"))
          .header("Authorization", "bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, lower.statusCode(), lower.body());
      // a web page may call a server that has a token only with the token
      HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/ready"))
          .header("Authorization", "Bearer " + token).header("Origin", "http://example.com").build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
    }
    // a token that could never match a header value is refused at once, not left to lock everyone out
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TeacherServer.builder().token("abc "));
    assertTrue(e.getMessage().contains("spaces"), e.getMessage());
    assertEquals("abc", ServerMain.token("abc \n"));
  }

  @Test
  void anUnknownTeacherIsAUsageErrorNamingTheTeachersOnTheClassPath(@TempDir Path dir) throws Exception {
    Path poolFile = dir.resolve("pool.jsonl");
    java.nio.file.Files.writeString(poolFile, "{\"id\": \"q0\", \"text\": \"1 + 1?\"}\n");
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cmd = new picocli.CommandLine(new ServerMain());
    cmd.setErr(new java.io.PrintWriter(err));
    // the server module does not depend on goldilocks-djl: without it on the class path, djl is unknown too
    assertEquals(2, cmd.execute("--pool", poolFile.toString(), "--teacher", "djl", "--port", "0"));
    assertTrue(err.toString().contains("unknown --teacher 'djl'") && err.toString().contains("features"), err.toString());
  }

  @Test
  void withoutATokenWebPagesAndRebindingHostsAreRefused(@TempDir Path dir) throws Exception {
    try (TeacherServer s = TeacherServerTest.start(TeacherServerTest.pool(100), dir, null)) {
      HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + "/v1/picks"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"step\": 0, \"n\": 2}")).header("Origin", "http://evil.example")
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(403, page.statusCode(), page.body());
      assertTrue(page.body().contains("GOLDILOCKS_TOKEN"), page.body());
      String rebound = SlowClientTest.raw(s.port(), "POST /v1/picks HTTP/1.1\r\nHost: evil.example:" + s.port()
          + "\r\nContent-Length: 19\r\nConnection: close\r\n\r\n{\"step\": 0, \"n\": 2}", null);
      assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
      String local = SlowClientTest.raw(s.port(), "GET /ready HTTP/1.1\r\nHost: localhost:" + s.port()
          + "\r\nConnection: close\r\n\r\n", null);
      assertTrue(local.startsWith("HTTP/1.1 200"), local);
      assertEquals(0, TeacherServerTest.metric(s.url(), "goldilocks_journal_sequence", null), "nothing was picked");
    }
  }

  @Test
  void aCompletedGroupPostedWithOtherValuesIsAConflictAndLongIdsAreNotEchoedWhole(@TempDir Path dir) throws Exception {
    try (TeacherServer s = TeacherServerTest.start(TeacherServerTest.pool(100), dir, null)) {
      String url = s.url();
      List<String> ids = TeacherServerTest.ids(TeacherServerTest.post(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", null).json());
      TeacherServerTest.post(url, "/v1/rewards", TeacherServerTest.rewards(0, ids.get(0), new double[] {1, 0, 1, 0}, null), null);
      JsonObject other = TeacherServerTest.post(url, "/v1/rewards",
          TeacherServerTest.rewards(0, ids.get(0), new double[] {1, 1, 1, 1}, null), null).json();
      assertEquals(0, other.get("duplicate").getAsInt(), other.toString());
      assertEquals(1, other.getAsJsonArray("rejected").size(), other.toString());
      assertTrue(other.toString().contains("already has reward"), other.toString());
      JsonObject same = TeacherServerTest.post(url, "/v1/rewards",
          TeacherServerTest.rewards(0, ids.get(0), new double[] {1, 0, 1, 0}, null), null).json();
      assertEquals(1, same.get("duplicate").getAsInt(), "the same values again: a duplicate");
      String longId = "x".repeat(3000);
      TeacherServerTest.Reply r = TeacherServerTest.post(url, "/v1/rewards",
          TeacherServerTest.rewards(0, longId, new double[] {1, 0, 1, 0}, null), null);
      assertEquals(200, r.status(), r.body());
      assertTrue(r.body().length() < 600, "the id is quoted in part: " + r.body().length() + " characters");
      assertTrue(r.body().contains("(3000 characters)"), r.body());
    }
  }

}
