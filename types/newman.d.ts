// newman 6 ships no type declarations: what test/ship-postman.test.ts uses of it. Sources: newman's
// README ("API Reference": newman.run's options, the run summary) and lib/run/summary.js (an
// execution, a failure); the request, response and item of an execution are postman-collection's
// Request, Response and Item, of which only the members read here are declared.
declare module 'newman' {
  import type { EventEmitter } from 'node:events';

  namespace newman {
    /** A header, or a variable given on the command line (`--env-var key=value`). */
    interface KeyValue {
      key: string;
      value: string;
    }

    interface NewmanRunOptions {
      /** A collection (v2.1 JSON as an object), or its path or URL. */
      collection: object | string;
      /** An environment (its JSON as an object), or its path or URL. */
      environment?: object | string;
      /** Environment variables that override the environment's. */
      envVar?: KeyValue[];
      /** The reporters to run (`[]`: none); default `['cli']`. */
      reporters?: string | string[];
    }

    /** postman-collection's Url. */
    interface Url {
      /** The path's segments. */
      path?: string[];
      query: {
        /** The query parameters by key (values as sent, percent-encoded). */
        toObject(): Record<string, string>;
      };
      /** The path, with a leading `/`. */
      getPath(): string;
    }

    /** postman-collection's Request, as sent (variables replaced). */
    interface Request {
      method: string;
      url: Url;
      headers: {
        /** A header's value by its name (case-insensitive); undefined when it is not sent. */
        get(name: string): string | undefined;
      };
      /** `raw` holds the body in raw mode; no body, no `body`. */
      body?: { mode: string; raw?: string };
    }

    /** postman-collection's Response. */
    interface Response {
      /** The HTTP status code. */
      code: number;
      /** The body's bytes. */
      stream: Buffer;
    }

    /** One request of the run. */
    interface NewmanRunExecution {
      /** The collection's item (request) it ran. */
      item: { name: string };
      request: Request;
      /** Absent when the request could not be sent (then `requestError` says why). */
      response?: Response;
      requestError?: Error;
    }

    /** A failed test or script, or a request that could not be sent. */
    interface NewmanRunFailure {
      /** `test`: the name of the pm.test that failed, for a failed assertion. */
      error: Error & { test?: string };
      /** The item it happened in; absent for a failure of the whole run. */
      source?: { name: string };
    }

    /** Counts of one kind of thing the run did. */
    interface NewmanRunStat {
      total: number;
      pending: number;
      failed: number;
    }

    interface NewmanRunSummary {
      run: {
        /** In the order they ran. */
        executions: NewmanRunExecution[];
        failures: NewmanRunFailure[];
        stats: {
          iterations: NewmanRunStat;
          items: NewmanRunStat;
          scripts: NewmanRunStat;
          prerequests: NewmanRunStat;
          requests: NewmanRunStat;
          tests: NewmanRunStat;
          /** One per pm.test that ran. */
          assertions: NewmanRunStat;
          testScripts: NewmanRunStat;
          prerequestScripts: NewmanRunStat;
        };
      };
    }

    /**
     * Runs a collection; calls `callback` once, with an error when the run could not start or was
     * aborted, else with the summary (failed tests are in the summary, not an error).
     */
    function run(options: NewmanRunOptions, callback?: (error: Error | null, summary: NewmanRunSummary) => void): EventEmitter;
  }

  export = newman;
}
