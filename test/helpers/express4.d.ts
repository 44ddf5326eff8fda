// `express4` is the devDependency alias npm:express@4 (Express 4 beside Express 5 in the tests). Its
// types are those of the `express` package the repository installs; the tests use the shared subset.
declare module 'express4' {
  import express from 'express';
  export default express;
}
