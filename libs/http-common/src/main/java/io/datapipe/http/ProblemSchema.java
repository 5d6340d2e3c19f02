package io.datapipe.http;

import java.lang.reflect.RecordComponent;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASModelReader;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * The {@code Problem} schema of each service's OpenAPI document ({@code #/components/schemas/Problem}, which
 * the static {@code META-INF/openapi.yaml} files refer to), derived from {@link Problem} as Jackson writes it:
 * its members, and any others ({@code reason}, {@code errorId}, a batch's {@code errors}) beside them. Named by
 * {@code mp.openapi.model.reader} in this library's configuration, so that no service describes it again.
 */
public class ProblemSchema implements OASModelReader {

    @Override
    public OpenAPI buildModel() {
        Schema problem = OASFactory.createSchema()
                .type(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details (" + Problem.MEDIA_TYPE + "); further members say more of the problem")
                .additionalPropertiesBoolean(true);
        for (RecordComponent member : Problem.class.getRecordComponents()) {
            if (member.getAccessor().isAnnotationPresent(JsonIgnore.class)) {
                continue;
            }
            Schema.SchemaType type = member.getType() == int.class ? Schema.SchemaType.INTEGER : Schema.SchemaType.STRING;
            problem.addProperty(member.getName(), OASFactory.createSchema().type(type));
        }
        return OASFactory.createOpenAPI().components(OASFactory.createComponents().addSchema("Problem", problem));
    }
}
