package io.datapipe.contract;

import java.nio.charset.StandardCharsets;

import io.datapipe.contract.InvalidJsonException.Reason;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundedJsonTest {

    private final BoundedJson json = new BoundedJson(JsonLimits.PAYLOAD);

    @Test
    void acceptsAnObject() throws Exception {
        ObjectNode node = json.parseObject(utf8("{\"informationOne\":\"aaa23\",\"n\":1.50,\"deep\":{\"a\":[1,2,{\"b\":null}]}}"));
        assertThat(node.get("informationOne").textValue()).isEqualTo("aaa23");
        assertThat(json.mapper().writeValueAsString(node)).contains("\"n\":1.50");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"a\":                      | MALFORMED",
            "{\"a\":1}{\"b\":2}           | MALFORMED",
            "{\"a\":1} x                  | MALFORMED",
            "{'a':1}                      | MALFORMED",
            "{\"a\":NaN}                  | MALFORMED",
            "[1,2,3]                      | NOT_AN_OBJECT",
            "\"text\"                     | NOT_AN_OBJECT",
            "42                           | NOT_AN_OBJECT",
            "null                         | NOT_AN_OBJECT",
            "{\"a\":1,\"a\":2}            | DUPLICATE_FIELD",
            "{\"a\":\"x\\u0000y\"}        | UNSUPPORTED_CHARACTER",
            "{\"a\\u0000\":1}             | UNSUPPORTED_CHARACTER",
            "{\"a\":\"\\ud800\"}          | UNSUPPORTED_CHARACTER",
            "{\"a\":\"\\udc00x\"}         | UNSUPPORTED_CHARACTER",
            "{\"a\":1e999999999}          | NUMBER_OUT_OF_RANGE",
            "{\"a\":1e-999999999}         | NUMBER_OUT_OF_RANGE",
    })
    void refuses(String document, Reason reason) {
        assertThatThrownBy(() -> json.parseObject(utf8(document.strip())))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void refusesAnEmptyBody() {
        assertReason(new byte[0], Reason.MALFORMED);
        assertReason(utf8("   "), Reason.MALFORMED);
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertReason(bytes, Reason.MALFORMED);
    }

    @Test
    void refusesDeepNestingWithoutOverflowingTheStack() {
        String deep = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
        BoundedJson unboundedSize = new BoundedJson(new JsonLimits(10_000_000, 32, 1_000, 1_000));
        assertThatThrownBy(() -> unboundedSize.parseObject(utf8(deep)))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_DEEP));
    }

    @Test
    void acceptsNestingUpToTheLimit() throws Exception {
        String deep = "{\"a\":".repeat(32) + "1" + "}".repeat(32);
        assertThat(json.parseObject(utf8(deep))).isNotNull();
        String tooDeep = "{\"a\":".repeat(33) + "1" + "}".repeat(33);
        assertReason(utf8(tooDeep), Reason.TOO_DEEP);
    }

    @Test
    void refusesTooManyFields() {
        StringBuilder doc = new StringBuilder("{");
        for (int i = 0; i < 1_001; i++) {
            doc.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
        }
        assertReason(utf8(doc.append('}').toString()), Reason.TOO_MANY_FIELDS);
    }

    @Test
    void refusesALongString() {
        assertReason(utf8("{\"a\":\"" + "x".repeat(16 * 1024 + 1) + "\"}"), Reason.STRING_TOO_LONG);
    }

    @Test
    void refusesALongMemberName() throws InvalidJsonException {
        assertReason(utf8("{\"" + "x".repeat(16 * 1024 + 1) + "\":1}"), Reason.STRING_TOO_LONG);
        assertThat(json.parse(utf8("{\"" + "x".repeat(16 * 1024) + "\":1}")).size()).isEqualTo(1);
    }

    @Test
    void refusesAnOversizedDocumentBeforeParsingIt() {
        byte[] big = new byte[64 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        assertReason(big, Reason.TOO_LARGE);
    }

    @Test
    void errorMessagesNeverQuoteTheDocument() {
        String secret = "s3cr3t-value-that-must-not-leak";
        assertThatThrownBy(() -> json.parseObject(utf8("{\"a\":\"" + secret + "\" oops}")))
                .isInstanceOf(InvalidJsonException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret).contains("line 1"));
    }

    private void assertReason(byte[] bytes, Reason reason) {
        assertThatThrownBy(() -> json.parseObject(bytes))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
