console.log("native addon: skipped")
