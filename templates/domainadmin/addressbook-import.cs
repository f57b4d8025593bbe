<?cs # What an uploaded file would add to the address book, and its bad
     rows by line; confirming adds the good ones. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.addressbook.import.preview ?>
<?cs set:Page.Nav = "addressbook" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="import-page">
<?cs call:domain_bar() ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/addressbook?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.addressbook.back ?></a></p>
<?cs set:Import.Path = "/addressbook/import" ?>
<?cs set:Import.Work = "1" ?>
<?cs def:import_post_fields() ?><?cs call:post_fields() ?><?cs /def ?>
<?cs include:"abook-import-preview.cs" ?>
</section>
<?cs include:"footer.cs" ?>
