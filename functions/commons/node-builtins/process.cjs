// node:process as a function bundle imports it: see http.cjs beside it. The facade reads every
// property of process, getters included.
module.exports = process.getBuiltinModule('node:process');
