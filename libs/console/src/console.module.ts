import { Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { defaultAssetsDir, missingAssets } from './console-assets';
import { consoleController } from './console.controller';
import type { BatonConsoleOptions } from './console.options';

const PATH = /^[A-Za-z0-9][A-Za-z0-9._~-]*(\/[A-Za-z0-9][A-Za-z0-9._~-]*)*$/;

/**
 * Serves the Baton console, a web page that works through the REST API of
 * SagaModule in the same app (docs/architecture.md, "The console"). Import it
 * next to SagaModule:
 *
 *     BatonConsoleModule.forRoot()                 // at /console/
 *     BatonConsoleModule.forRoot({ path: 'ops/console', traceUrl: 'http://jaeger:16686/trace/{traceId}' })
 */
@Module({})
export class BatonConsoleModule {
  static forRoot(options: BatonConsoleOptions = {}): DynamicModule {
    const path = (options.path ?? 'console').replace(/^\/+|\/+$/g, '');
    if (!PATH.test(path)) {
      throw new Error(`BatonConsoleModule: path "${options.path}" is not a URL path; use letters, digits, "-", "_", "." and "/", e.g. "console".`);
    }
    const apiBase = (options.apiBase ?? '').replace(/\/+$/, '');
    if (apiBase && !apiBase.startsWith('/')) {
      throw new Error(`BatonConsoleModule: apiBase "${options.apiBase}" must be a path on the same origin starting with "/", e.g. "/api", or "".`);
    }
    if (options.traceUrl !== undefined && !options.traceUrl.includes('{traceId}')) {
      throw new Error(`BatonConsoleModule: traceUrl "${options.traceUrl}" has no {traceId}; e.g. "http://localhost:16686/trace/{traceId}".`);
    }
    const assetsDir = options.assetsDir ?? defaultAssetsDir();
    const controller = consoleController(path, assetsDir, { apiBase, traceUrl: options.traceUrl ?? null });

    class ConsoleAssetsCheck implements OnApplicationBootstrap {
      onApplicationBootstrap(): void {
        const missing = missingAssets(assetsDir);
        if (missing.length) {
          new Logger('Console').warn(`The console at /${path}/ is not built (${missing.join(', ')} missing in ${assetsDir}); run npm run build:console.`);
        }
      }
    }
    return { module: BatonConsoleModule, controllers: [controller], providers: [ConsoleAssetsCheck] };
  }
}
