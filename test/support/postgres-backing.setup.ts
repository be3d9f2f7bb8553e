import { backStoresWithPostgres, dropPostgresBacking } from './backing-store.js';

/** Setup of the "e2e on PostgreSQL" Jest project (jest.config.js): the spec file's test apps keep their sessions in PostgreSQL. */
backStoresWithPostgres();
afterAll(() => dropPostgresBacking());
