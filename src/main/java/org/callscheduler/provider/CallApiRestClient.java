package org.callscheduler.provider;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.smallrye.mutiny.Uni;

/** The external Call API as ../shared/CONTRACT.md describes it. Only {@link CallApiClient} uses it. */
@RegisterRestClient(configKey = "call-api")
@Path("/api/call")
@Produces(MediaType.APPLICATION_JSON)
interface CallApiRestClient extends AutoCloseable {

    /** Places a call. The idempotency key lets a provider that honours it drop a repeated request. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<CallApiCall> create(@HeaderParam("Idempotency-Key") String idempotencyKey, CallApiRequest request);

    @GET
    @Path("/{callId}")
    Uni<CallApiCall> get(@PathParam("callId") String callId);

    /** Closes the client's connections: requests still out fail at once. */
    @Override
    void close();
}
