package dev.usermetrics.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserIdRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static UserIdRules.Result check(String json) throws Exception {
        JsonNode body = JSON.readTree("{\"userId\": " + json + "}");
        return UserIdRules.check(body.get("userId"));
    }

    @Test
    void plainStringIsValid() throws Exception {
        assertThat(check("\"user-42\"")).isEqualTo(new UserIdRules.Valid("user-42"));
    }

    @Test
    void nullMissingAndEmptyMeanNoUser() throws Exception {
        assertThat(check("null")).isInstanceOf(UserIdRules.Absent.class);
        assertThat(check("\"\"")).isInstanceOf(UserIdRules.Absent.class);
        assertThat(UserIdRules.check((JsonNode) null)).isInstanceOf(UserIdRules.Absent.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "4.2", "true", "false", "{\"id\":\"u\"}", "[\"u\"]", "[]", "{}"})
    void nonStringsAreDropped(String json) throws Exception {
        UserIdRules.Result r = check(json);
        assertThat(r).isInstanceOf(UserIdRules.Invalid.class);
        assertThat(((UserIdRules.Invalid) r).reason()).isEqualTo(RejectReason.USER_ID_NOT_STRING);
    }

    @Test
    void lengthIsCountedInCodePoints() {
        String emoji150 = "😀".repeat(150); // 300 UTF-16 units, 150 code points
        assertThat(emoji150.length()).isEqualTo(300);
        assertThat(UserIdRules.check(emoji150)).isEqualTo(new UserIdRules.Valid(emoji150));
        assertThat(UserIdRules.check("😀".repeat(200))).isInstanceOf(UserIdRules.Valid.class);
        assertThat(UserIdRules.check("a".repeat(200))).isInstanceOf(UserIdRules.Valid.class);

        UserIdRules.Result tooLong = UserIdRules.check("a".repeat(201));
        assertThat(tooLong).isInstanceOf(UserIdRules.Invalid.class);
        assertThat(((UserIdRules.Invalid) tooLong).reason()).isEqualTo(RejectReason.USER_ID_TOO_LONG);
        assertThat(((UserIdRules.Invalid) tooLong).detail()).contains("201");
        assertThat(UserIdRules.check("😀".repeat(201))).isInstanceOf(UserIdRules.Invalid.class);
    }

    @Test
    void unstorableStringsAreDropped() throws Exception {
        assertThat(reason(UserIdRules.check("a\u0000b"))).isEqualTo(RejectReason.USER_ID_NOT_STORABLE);
        assertThat(reason(UserIdRules.check("a\uD800b"))).isEqualTo(RejectReason.USER_ID_NOT_STORABLE);
        assertThat(reason(UserIdRules.check("\uDC00"))).isEqualTo(RejectReason.USER_ID_NOT_STORABLE);
        // The same through JSON escapes, as they arrive on the wire.
        assertThat(reason(check("\"a\\u0000b\""))).isEqualTo(RejectReason.USER_ID_NOT_STORABLE);
        assertThat(reason(check("\"x\\ud83d\""))).isEqualTo(RejectReason.USER_ID_NOT_STORABLE);
        // A paired surrogate escape is a normal character.
        assertThat(check("\"\\ud83d\\ude00\"")).isEqualTo(new UserIdRules.Valid("😀"));
    }

    @Test
    void whitespaceAndUnicodeArePreservedAsIs() {
        assertThat(UserIdRules.check(" user ")).isEqualTo(new UserIdRules.Valid(" user "));
        assertThat(UserIdRules.check("ユーザー")).isEqualTo(new UserIdRules.Valid("ユーザー"));
    }

    private static RejectReason reason(UserIdRules.Result r) {
        return ((UserIdRules.Invalid) r).reason();
    }
}
