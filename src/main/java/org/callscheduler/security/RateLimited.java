package org.callscheduler.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;

/**
 * Marks a resource method that creates calls: {@link RateLimitFilter} limits how often one client may call it.
 * Bound to the method the router picked, so every spelling of its path that routes there (a trailing slash,
 * matrix parameters, doubled slashes, percent-encoding) counts alike.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface RateLimited {
}
